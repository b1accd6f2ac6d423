"""One TLS policy: no module but cwmpd.http.tls builds a client TLS context.

Every TLS client (ACS sessions, downloads, uploads, and later USP) must get its
connections from ``tls_policy_for``; a module that calls Twisted's or pyOpenSSL's
context builders itself would bypass the host and EKU checks.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILDERS = re.compile(
    r"optionsForClientTLS|CertificateOptions\(|BrowserLikePolicyForHTTPS|SSL\.Context\("
    r"|ssl\.create_default_context|ssl\.SSLContext|connectSSL|SSL4ClientEndpoint|startTLS\("
)
#: Where a client context may be built or a policy plugged in (and the test PKI's servers).
ALLOWED = {"src/cwmpd/http/tls.py", "src/cwmpd/testing/pki.py"}
#: Where the policy is used: each must take it from tls_policy_for.
USERS = {
    "src/cwmpd/session/http.py",
    "src/cwmpd/transfers/http.py",
    "src/cwmpd/mtp/mqtt.py",
    "src/cwmpd/mtp/websocket.py",
}


def _sources() -> list[Path]:
    return sorted([*(REPO / "src").rglob("*.py"), *(REPO / "plugins").rglob("*.py")])


def test_no_other_module_builds_a_tls_context() -> None:
    """TLS context builders appear only in the policy module."""
    offenders = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in _sources()
        if str(path.relative_to(REPO)) not in ALLOWED
        for match in BUILDERS.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_https_clients_take_the_policy_from_tls_policy_for() -> None:
    """Modules that wrap connections in TLS get the policy from tls_policy_for."""
    wrapping = {
        str(p.relative_to(REPO))
        for p in _sources()
        if re.search(r"wrapClientTLS|contextFactory=", p.read_text(encoding="utf-8"))
    }
    assert wrapping <= USERS | {"src/cwmpd/http/connection.py"}
    for user in USERS:
        assert "tls_policy_for(" in (REPO / user).read_text(encoding="utf-8"), user
