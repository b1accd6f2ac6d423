"""HTTP for every part: auth (Basic/Digest), TLS policy, connections, errors."""
