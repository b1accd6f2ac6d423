"""Loopback tests of the HTTP Connection Request listener with real clients (C-1..C-11)."""

from __future__ import annotations

import time

import pytest
import pytest_twisted
import requests
from requests.auth import HTTPDigestAuth
from twisted.internet import defer, task, threads

from cwmpd.connreq.http import ListenerConfig
from cwmpd.http import digest
from support.agent_harness import reactor
from support.connreq_live import PASSWORD, PATH, USER, Live, get, send_raw, start
from support.processes import output_and_code

CURL = "/usr/bin/curl"


async def tick() -> None:
    """Let callLater(0) calls run."""
    await task.deferLater(reactor, 0.01, lambda: None)


def challenge_params(resp: requests.Response) -> dict[str, str]:
    """The parameters of the first Digest challenge of a 401 response."""
    scheme, rest = digest.split_challenges(resp.raw.headers.getlist("WWW-Authenticate")[0])
    assert scheme == "digest"
    return digest.parse_auth_params(rest)


def authorization(
    p: dict[str, str], uri: str, password: str = PASSWORD, nc: str = "00000001"
) -> str:
    """A Digest Authorization header answering challenge ``p`` for GET ``uri``."""
    resp = digest.response(
        algorithm=p["algorithm"], username=USER, realm=p["realm"], password=password,
        method="GET", uri=uri, nonce=p["nonce"], nc=nc, cnonce="abcdef", qop="auth",
    )  # fmt: skip
    params = {
        "username": USER, "realm": p["realm"], "nonce": p["nonce"], "uri": uri,
        "algorithm": p["algorithm"], "qop": "auth", "nc": nc, "cnonce": "abcdef",
        "response": resp, "opaque": p["opaque"],
    }  # fmt: skip
    return digest.format_params("Digest", params, frozenset({"algorithm", "qop", "nc"}))


@pytest.mark.needs_tools("curl")
@pytest_twisted.ensureDeferred
async def test_curl_digest_succeeds(live: Live) -> None:
    """`curl --digest` gets 200 with an empty body and on_request runs exactly once."""
    out, err, code = await output_and_code(
        CURL,
        ["-v", "--digest", "-u", f"{USER}:{PASSWORD}", "-s", "-w", "%{http_code}", live.url],
    )
    assert code == 0, err
    assert b"algorithm=SHA-256" in err  # curl picks the stronger of the two challenges
    assert out == b"200"  # empty body, then the status code written by -w
    await tick()
    assert live.calls == [1]


@pytest_twisted.ensureDeferred
async def test_requests_digest_succeeds(live: Live) -> None:
    """requests' HTTPDigestAuth gets 200 with an empty body; on_request runs once."""
    r = await threads.deferToThread(
        requests.get, live.url, auth=HTTPDigestAuth(USER, PASSWORD), timeout=5
    )
    assert (r.status_code, r.content) == (200, b"")
    assert 'algorithm="MD5"' in r.request.headers["Authorization"]  # requests answers MD5
    await tick()
    assert live.calls == [1]


@pytest_twisted.ensureDeferred
async def test_challenge_offers_sha256_and_md5(live: Live) -> None:
    """The 401 carries two Digest challenges (SHA-256, MD5), qop=auth, a nonce and opaque."""
    r1 = await threads.deferToThread(requests.get, live.url, timeout=5)
    r2 = await threads.deferToThread(requests.get, live.url, timeout=5)
    assert r1.status_code == 401
    values = r1.raw.headers.getlist("WWW-Authenticate")
    algs = [digest.parse_auth_params(digest.split_challenges(v)[1])["algorithm"] for v in values]
    assert algs == ["SHA-256", "MD5"]
    p = challenge_params(r1)
    assert p["qop"] == "auth" and p["opaque"] and len(p["nonce"]) >= 32
    assert challenge_params(r2)["nonce"] != p["nonce"]  # a fresh nonce per challenge


@pytest_twisted.ensureDeferred
async def test_refusals_start_nothing(live: Live) -> None:
    """Wrong password, replay, uri mismatch, Basic, POST and a wrong path: refused, no call."""
    bad = await threads.deferToThread(
        requests.get, live.url, auth=HTTPDigestAuth(USER, "wrong"), timeout=5
    )
    assert bad.status_code == 401
    good = await threads.deferToThread(
        requests.get, live.url, auth=HTTPDigestAuth(USER, PASSWORD), timeout=5
    )
    assert good.status_code == 200
    await tick()
    assert live.calls == [1]
    captured = good.request.headers["Authorization"]
    replay = await threads.deferToThread(
        requests.get, live.url, headers={"Authorization": captured}, timeout=5
    )
    assert replay.status_code == 401
    ch = await threads.deferToThread(requests.get, live.url, timeout=5)
    mismatch = await threads.deferToThread(
        requests.get,
        live.url,
        headers={"Authorization": authorization(challenge_params(ch), "/elsewhere")},
        timeout=5,
    )
    assert mismatch.status_code == 401
    basic = await threads.deferToThread(requests.get, live.url, auth=(USER, PASSWORD), timeout=5)
    assert basic.status_code == 401
    post = await threads.deferToThread(
        requests.post, live.url, auth=HTTPDigestAuth(USER, PASSWORD), timeout=5
    )
    assert post.status_code == 405
    wrong_path = await threads.deferToThread(
        requests.get,
        live.url.replace(PATH, "/"),
        auth=HTTPDigestAuth(USER, PASSWORD),
        timeout=5,
    )
    assert wrong_path.status_code == 404
    await tick()
    assert live.calls == [1]


@pytest_twisted.ensureDeferred
async def test_stale_nonce_gets_stale_challenge() -> None:
    """Right credentials on an expired nonce get 401 stale=true and start nothing."""
    clock = task.Clock()
    cfg = ListenerConfig(path=PATH, address="127.0.0.1", port=0, username=USER, password=PASSWORD)
    live = start(cfg)
    live.server = type(live.server)(reactor, cfg, lambda: live.calls.append(1), clock=clock)
    live.server.listen()
    try:
        url = f"http://127.0.0.1:{live.server.port}{PATH}"
        ch = await threads.deferToThread(requests.get, url, timeout=5)
        clock.advance(cfg.nonce_lifetime + 1)
        hdr = {"Authorization": authorization(challenge_params(ch), PATH)}
        r = await threads.deferToThread(requests.get, url, headers=hdr, timeout=5)
        assert r.status_code == 401
        assert challenge_params(r)["stale"] == "true"
        clock.advance(1)
        assert live.calls == []
    finally:
        await live.server.stop()


@pytest_twisted.ensureDeferred
async def test_no_credentials_refuses_everything() -> None:
    """With no username/password configured even an 'empty' digest login is refused."""
    live = start(ListenerConfig(path=PATH, address="127.0.0.1", port=0))
    try:
        r = await threads.deferToThread(
            requests.get, live.url, auth=HTTPDigestAuth("", ""), timeout=5
        )
        assert r.status_code == 401
        await tick()
        assert live.calls == []
    finally:
        await live.server.stop()


@pytest_twisted.ensureDeferred
async def test_burst_gets_503_and_valid_request_still_succeeds(live: Live) -> None:
    """1,000 bad requests in a burst get 503s; a valid request right after gets 200 in < 1 s
    (from another address: the flooding one is locked out by its failed logins)."""
    kinds = [
        get("/scan"),
        get(PATH, method="POST"),
        get(PATH, {"Authorization": "Basic YWRtaW46YWRtaW4="}),
        get(PATH, {"Authorization": 'Digest username="x", nonce="n", uri="/"'}),
    ]
    payloads = [kinds[i % len(kinds)] for i in range(1000)]
    results = await defer.gatherResults(
        [send_raw(live.port, payloads[i::10], "127.0.0.2") for i in range(10)]
    )
    codes = [c for batch in results for c in batch]
    assert len(codes) == 1000
    assert codes.count(503) >= 900
    assert 200 not in codes
    start_time = time.monotonic()
    r = await threads.deferToThread(
        requests.get, live.url, auth=HTTPDigestAuth(USER, PASSWORD), timeout=5
    )
    assert r.status_code == 200
    await tick()
    assert time.monotonic() - start_time < 1.0
    assert live.calls == [1]
