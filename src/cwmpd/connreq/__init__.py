"""Connection Requests: the HTTP digest listener, UDP Connection Request, STUN.

Modules: ``http`` (ConnectionRequestServer, ListenerConfig), ``guard`` (digest challenge and
verification), ``nonces`` (server-side nonce table), ``ratelimit`` (three token budgets),
``urls`` (ensure_path, connection_request_url, udp_connection_request_address), ``udp``
(UdpConnectionRequestProtocol), ``stun``/``stunmsg`` (TR-111 STUN client and codec).
"""
