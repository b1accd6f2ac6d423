"""The session cookie jar (RFC 6265 §5.2-5.4): what is kept, what is sent back, in what order."""

from __future__ import annotations

from cwmpd.http.cookies import MAX_COOKIE_BYTES, MAX_COOKIES, SessionCookies

ACS = "http://acs.example.net:7547/cwmp/acs"


def jar(*lines: str, url: str = ACS, now: float = 1000.0) -> SessionCookies:
    cookies = SessionCookies(clock=lambda: now)
    cookies.received(url, [line.encode() for line in lines])
    return cookies


def test_session_cookie_comes_back_and_clear_forgets_it() -> None:
    c = jar("sid=abc; Path=/; HttpOnly")
    assert c.header(ACS) == b"sid=abc"
    c.clear()
    assert c.header(ACS) is None


def test_default_path_is_the_request_directory() -> None:
    c = jar("lb=7")
    assert c.header("http://acs.example.net:7547/cwmp/other") == b"lb=7"
    assert c.header("http://acs.example.net:7547/elsewhere") is None
    assert c.header("http://acs.example.net:7547/cwmpx") is None


def test_longest_path_first_then_oldest() -> None:
    c = jar("a=1; Path=/", "b=2; Path=/cwmp", "c=3; Path=/")
    assert c.header(ACS) == b"b=2; a=1; c=3"


def test_set_again_replaces_and_max_age_zero_deletes() -> None:
    c = jar("a=1; Path=/", "b=2; Path=/")
    c.received(ACS, [b"a=9; Path=/"])
    assert c.header(ACS) == b"a=9; b=2"
    c.received(ACS, [b"a=; Path=/; Max-Age=0"])
    assert c.header(ACS) == b"b=2"


def test_expiry_max_age_over_expires() -> None:
    clock = [1000.0]
    c = SessionCookies(clock=lambda: clock[0])
    old = "Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    c.received(ACS, [f"a=1; Max-Age=60; {old}".encode(), f"b=2; {old}".encode()])
    assert c.header(ACS) == b"a=1"
    clock[0] += 61
    assert c.header(ACS) is None


def test_host_only_and_domain_cookies() -> None:
    c = jar("h=1; Path=/", "d=2; Path=/; Domain=.example.net", "x=3; Domain=other.org")
    assert c.header(ACS) == b"h=1; d=2"
    assert c.header("http://cdn.example.net/") == b"d=2"
    assert c.header("http://other.org/") is None


def test_ip_host_domain_match_is_exact() -> None:
    c = jar("a=1; Domain=0.0.1", url="http://127.0.0.1:8080/acs")
    assert c.header("http://127.0.0.1:8080/acs") is None
    c = jar("a=1; Path=/", url="http://127.0.0.1:8080/acs")
    assert c.header("http://127.0.0.1:9090/acs") == b"a=1"  # cookies ignore the port


def test_secure_only_over_https_and_bad_lines_ignored() -> None:
    c = jar("s=1; Path=/; Secure", "novalue", "=empty", url="https://acs.example.net/acs")
    assert c.header("https://acs.example.net/acs") == b"s=1"
    assert c.header("http://acs.example.net/acs") is None


def test_budgets_an_oversized_cookie_is_ignored_and_the_oldest_goes_past_fifty() -> None:
    """An ACS setting huge or endless cookies cannot grow the agent's memory."""
    big = "big=" + "x" * MAX_COOKIE_BYTES
    c = jar(big, "small=1")
    assert c.header(ACS) == b"small=1"
    many = SessionCookies(clock=lambda: 1000.0)
    many.received(ACS, [f"c{i}=v; Path=/".encode() for i in range(MAX_COOKIES + 10)])
    sent = (many.header(ACS) or b"").decode().split("; ")
    assert len(sent) == MAX_COOKIES
    assert sent[0] == "c10=v" and sent[-1] == f"c{MAX_COOKIES + 9}=v"
