"""The CWMP protocol: SOAP envelopes, RPC messages, value types, faults. Pure, reactor-free."""
