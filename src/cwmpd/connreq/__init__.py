"""Connection Requests: the HTTP digest listener, UDP Connection Request, STUN."""
