"""Connection Requests: the HTTP digest listener, UDP Connection Request, STUN.

Modules: ``http`` (ConnectionRequestServer, ListenerConfig), ``guard`` (digest challenge and
verification), ``nonces`` (server-side nonce table), ``ratelimit`` (three token budgets),
``lockout`` (failed logins lock out their source, and past a budget every unknown source),
``slots`` (connection cap from RLIMIT_NOFILE, request deadline, eviction),
``urls`` (ensure_path, connection_request_url, udp_connection_request_address), ``udp``
(UdpConnectionRequestProtocol), ``udpreplay`` (signature, ts/id rules, persisted replay
state), ``stun``/``stunmsg`` (TR-111 STUN client and codec).
"""
