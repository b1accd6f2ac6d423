"""KeptAgent's parsed URLs: what Agent would send (Host, request-target), parsed once."""

from __future__ import annotations

from cwmpd.http.kept import parsed_url


def test_host_and_target_are_what_agent_sends() -> None:
    uri, host, target = parsed_url(b"http://acs.example:7547/cwmp?x=1")
    assert (uri.scheme, uri.host, uri.port) == (b"http", b"acs.example", 7547)
    assert (host, target) == (b"acs.example:7547", b"/cwmp?x=1")
    assert parsed_url(b"https://acs.example/")[1:] == (b"acs.example", b"/")
    assert parsed_url(b"http://[2001:db8::1]:80/acs")[1:] == (b"[2001:db8::1]", b"/acs")


def test_the_same_url_is_parsed_once() -> None:
    first = parsed_url(b"http://127.0.0.1:9/one")
    assert parsed_url(b"http://127.0.0.1:9/one") is first
    assert parsed_url(b"http://127.0.0.1:9/two")[0] is not first[0]
