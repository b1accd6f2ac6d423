"""TR-369 User Services Platform: the Record and Msg codec and the path resolver, pure and
reactor-free (the USP counterpart of ``cwmpd.cwmp``). Needs the optional ``protobuf``
dependency (``pip install cwmpd[usp]``); the CWMP-only agent never imports this package."""
