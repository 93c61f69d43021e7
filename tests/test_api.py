"""The fallback API against real uvicorn servers on 127.0.0.1, over graphs built from real samples.

The main server is ``mcg api`` in a child process with two workers. Tests
that need settings the command line does not offer, such as a zero timeout,
run uvicorn in a thread of the test process.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mcg_lib.api.ratelimit import RateLimiter, client_key
from mcg_lib.api.responses import ApiError, etag_matches
from mcg_lib.api.searches import SearchPool
from mcg_lib.api.settings import ApiSettings
from mcg_lib.api.testing import ApiProcess, ThreadedServer
from mcg_lib.cli import cli
from mcg_lib.fetch import stage as fetch_stage
from mcg_lib.graph import find_path, open_graph
from mcg_lib.graph import stage as graph_stage
from mcg_lib.ingest import stage as ingest_stage
from mcg_lib.paths import DataRoot

SNAPSHOT = "20150101"
SECOND_SNAPSHOT = "20250101"
RULESETS = ("all-credits", "performers")
ORIGIN = "https://game.example.org"
CHAIN_KEYS = ("from", "to", "hops", "path")


def build_snapshot(root: DataRoot, snapshot: str, dumps: Path, rulesets=RULESETS) -> None:
    """Import real dumps, ingest them and build graphs with the stage functions."""
    fetch_stage.run(root, snapshot, force=False, raw_dir=str(dumps))
    ingest_stage.run(root, snapshot, force=False)
    for ruleset in rulesets:
        graph_stage.run(root, snapshot, force=False, ruleset=ruleset)


@pytest.fixture(scope="module")
def sample_root(samples_dir, tmp_path_factory) -> DataRoot:
    root = DataRoot(tmp_path_factory.mktemp("api") / "data")
    build_snapshot(root, SNAPSHOT, samples_dir / "discograph-2015")
    build_snapshot(root, SECOND_SNAPSHOT, samples_dir / "tgmz-discogs-2025")
    return root


@pytest.fixture(scope="module")
def api(sample_root):
    arguments = ["--snapshot", SNAPSHOT, "--origin", ORIGIN, "--rate-limit", "0", "--workers", "2"]
    with ApiProcess(sample_root.root, arguments, sample_root.root.parent / "api.log") as server:
        yield server


@pytest.fixture(scope="module")
def client(api):
    with httpx.Client(base_url=api.base_url, timeout=10.0) as session:
        yield session


@pytest.fixture(scope="module")
def artist_ids(sample_root) -> dict[str, list[int]]:
    """Popular and random artist ids of the main graph, and one pair that no chain links."""
    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    ranked = graph.artists.sort_by([("popularity", "descending"), ("artist_id", "ascending")])
    popular = ranked.column("artist_id").to_pylist()[:6]
    every = graph.artist_ids.tolist()
    rng = random.Random(2015)
    unreachable = None
    while unreachable is None:
        pair = rng.sample(every, 2)
        if find_path(graph, *pair, max_hops=100, max_expanded=10**9).status == "unreachable":
            unreachable = pair
    return {"popular": popular, "random": rng.sample(every, 8), "unreachable": unreachable}


def settings_for(root: DataRoot, **overrides) -> ApiSettings:
    base = ApiSettings(data_root=str(root.root), snapshot=SNAPSHOT, rulesets=RULESETS)
    return replace(base, **overrides)


def mcg_path_json(root: DataRoot, snapshot: str, ruleset: str, pairs, tmp_path: Path) -> list[dict]:
    """Run ``mcg path --pairs FILE --json`` and return one object per pair."""
    pairs_file = tmp_path / f"pairs-{ruleset}.tsv"
    pairs_file.write_text("".join(f"{a}\t{b}\n" for a, b in pairs), encoding="utf-8")
    arguments = ["--data-root", str(root.root), "-q", "path", "--snapshot", snapshot]
    arguments += ["--ruleset", ruleset, "--pairs", str(pairs_file), "--json"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def assert_error(response: httpx.Response, status: int, code: str, root: DataRoot) -> dict:
    """Check the JSON error shape, and that no path or stack trace leaks out."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert message
    assert "Traceback" not in response.text
    assert str(root.root) not in response.text
    assert response.headers["cache-control"] == "no-store"
    return body


# answers


def test_path_equals_mcg_path(client, sample_root, artist_ids, tmp_path):
    ids = artist_ids["popular"] + artist_ids["random"]
    pairs = [(a, b) for a in ids[:7] for b in ids[7:]]
    pairs += [tuple(artist_ids["unreachable"]), (ids[0], ids[0]), (ids[-1], ids[1])]
    for ruleset in RULESETS:
        graph = open_graph(sample_root, SNAPSHOT, ruleset)
        known = set(graph.artist_ids.tolist())
        usable = [(a, b) for a, b in pairs if a in known and b in known]
        expected = mcg_path_json(sample_root, SNAPSHOT, ruleset, usable, tmp_path)
        statuses = set()
        for (a, b), chain in zip(usable, expected, strict=True):
            response = client.get("/v1/path", params={"from": a, "to": b, "ruleset": ruleset})
            assert response.status_code == 200, response.text
            body = response.json()
            assert {key: body[key] for key in CHAIN_KEYS} == {key: chain[key] for key in CHAIN_KEYS}, (ruleset, a, b)
            assert body["status"] == chain["status"], (ruleset, a, b)
            assert body["snapshot"] == SNAPSHOT
            assert body["ruleset"] == ruleset
            statuses.add(body["status"])
        assert "found" in statuses
    assert len(usable) > 20


def test_path_unreachable_has_message(client, artist_ids):
    a, b = artist_ids["unreachable"]
    body = client.get("/v1/path", params={"from": a, "to": b}).json()
    assert body["status"] == "unreachable"
    assert body["hops"] is None
    assert body["path"] == []
    assert "no chain" in body["message"]


def test_path_default_ruleset_is_all_credits(client, artist_ids):
    a, b = artist_ids["popular"][:2]
    body = client.get("/v1/path", params={"from": a, "to": b}).json()
    assert body["ruleset"] == "all-credits"


def test_search_finds_prefix_and_ranks_exact_first(client, sample_root):
    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    names = graph.artists.column("name_display").to_pylist()
    name = next(n for n in names if len(n) > 6 and n.isascii() and not n.startswith(" "))
    response = client.get("/v1/artists/search", params={"q": name.upper(), "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == name.upper()
    assert body["results"], name
    assert body["results"][0]["name_display"].lower() == name.lower()
    for result in body["results"]:
        assert set(result) == {"id", "name", "name_display", "hint", "popularity"}
        prefixes = (result["name"].lower(), result["name_display"].lower())
        assert any(p.startswith(name.lower()) for p in prefixes)


def test_search_orders_by_popularity(client):
    results = client.get("/v1/artists/search", params={"q": "b", "limit": 50}).json()["results"]
    assert len(results) == 50
    exact = [r for r in results if r["name_display"].lower() == "b" or r["name"].lower() == "b"]
    rest = results[len(exact) :]
    popularity = [r["popularity"] for r in rest]
    assert popularity == sorted(popularity, reverse=True)
    assert len({r["id"] for r in results}) == 50


def test_search_lists_namesakes_with_hints(client, sample_root):
    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    names = set(graph.artists.column("name").to_pylist())
    display = next(
        n[: -len(" (2)")] for n in sorted(names) if n.endswith(" (2)") and n[:-4] in names
    )
    results = client.get("/v1/artists/search", params={"q": display, "limit": 50}).json()["results"]
    namesakes = [r for r in results if r["name_display"] == display]
    assert len(namesakes) >= 2
    assert len({r["name"] for r in namesakes}) == len(namesakes)
    assert all(r["hint"] for r in namesakes)


def test_search_without_match_is_empty(client):
    body = client.get("/v1/artists/search", params={"q": "zzzzqqqq"}).json()
    assert body == {"query": "zzzzqqqq", "results": []}


def test_artist_summary(client, sample_root, artist_ids):
    artist_id = artist_ids["popular"][0]
    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    row = graph.artist_row(graph.artist_node(artist_id))
    body = client.get(f"/v1/artists/{artist_id}").json()
    assert body["id"] == artist_id
    assert body["name"] == row["name"]
    assert body["name_display"] == row["name_display"]
    assert body["popularity"] == row["popularity"]
    assert body["release_count"] == row["release_count"]
    assert body["hint"].startswith(row["hint_title"])


def test_neighbours_pages_cover_every_release(client, sample_root, artist_ids):
    artist_id = artist_ids["popular"][0]
    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    node = graph.artist_node(artist_id)
    expected = {int(graph.release_ids[r]) for r in graph.releases_of(node)}

    seen, offset, total = [], 0, None
    while True:
        params = {"limit": 7, "offset": offset}
        body = client.get(f"/v1/artists/{artist_id}/neighbours", params=params).json()
        total = body["total"]
        assert body["artist"]["id"] == artist_id
        assert body["limit"] == 7
        assert body["offset"] == offset
        seen += body["releases"]
        if not body["releases"]:
            break
        offset += 7
    assert total == len(expected)
    assert {r["id"] for r in seen} == expected
    assert len(seen) == len(expected)


def test_neighbours_release_shape(client, sample_root, artist_ids):
    artist_id = artist_ids["popular"][0]
    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    node = graph.artist_node(artist_id)
    body = client.get(f"/v1/artists/{artist_id}/neighbours", params={"limit": 100}).json()
    for release in body["releases"]:
        release_node = graph.release_node(release["id"])
        assert release["roles"] == graph.roles(release_node, node)
        others = [a for a in graph.artists_of(release_node) if a != node]
        assert release["artist_count"] == len(others) + 1
        assert len(release["artists"]) == min(len(others), 20)
        popularity = [
            graph.artist_row(graph.artist_node(a["id"]))["popularity"] for a in release["artists"]
        ]
        assert popularity == sorted(popularity, reverse=True)
        for other in release["artists"]:
            assert other["id"] != artist_id
            assert other["roles"] == graph.roles(release_node, graph.artist_node(other["id"]))


def test_neighbours_match_static_export(client, sample_root, artist_ids):
    """The game reads API pages and the site's static neighbour files alike."""
    from mcg_lib.export.neighbours import NeighbourBuilder
    from mcg_lib.export.nodes import NodeReader

    graph = open_graph(sample_root, SNAPSHOT, "all-credits")
    builder = NeighbourBuilder(NodeReader(graph))
    for artist_id in artist_ids["popular"][:3] + artist_ids["random"][:3]:
        static = builder.entry(graph.artist_node(artist_id), release_cap=100, artist_cap=20)
        params = {"limit": 100}
        served = client.get(f"/v1/artists/{artist_id}/neighbours", params=params).json()
        assert served == static, artist_id


def test_neighbours_offset_past_end_is_empty(client, artist_ids):
    artist_id = artist_ids["popular"][0]
    body = client.get(f"/v1/artists/{artist_id}/neighbours", params={"offset": 999_999}).json()
    assert body["releases"] == []
    assert body["total"] > 0


# bad input


BAD_REQUESTS = [
    ("/v1/path?from=abc&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=-3&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=0&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=3.0&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=%2B3&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=1_000&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=%203&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=99999999999999999999999&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=2147483648&to=3", 400, "invalid_parameter"),
    ("/v1/path?from=3", 400, "invalid_parameter"),
    ("/v1/path", 400, "invalid_parameter"),
    ("/v1/path?from=3&to=3&ruleset=nope", 400, "invalid_parameter"),
    ("/v1/path?from=3&to=3&ruleset=studio", 400, "invalid_parameter"),
    ("/v1/path?from=3&to=3&extra=1", 400, "unknown_parameter"),
    ("/v1/path?from=3&to=3&From=3", 400, "unknown_parameter"),
    ("/v1/path?from=3&from=3&to=3", 400, "repeated_parameter"),
    ("/v1/path?from=3&to=2147483647", 404, "artist_not_found"),
    ("/v1/artists/search", 400, "invalid_parameter"),
    ("/v1/artists/search?q=", 400, "invalid_parameter"),
    ("/v1/artists/search?q=%20%20%20", 400, "invalid_parameter"),
    ("/v1/artists/search?q=" + "a" * 101, 400, "invalid_parameter"),
    ("/v1/artists/search?q=a%00b", 400, "invalid_parameter"),
    ("/v1/artists/search?q=a%0Ab", 400, "invalid_parameter"),
    ("/v1/artists/search?q=a&limit=0", 400, "invalid_parameter"),
    ("/v1/artists/search?q=a&limit=51", 400, "invalid_parameter"),
    ("/v1/artists/search?q=a&limit=ten", 400, "invalid_parameter"),
    ("/v1/artists/search?q=a&page=2", 400, "unknown_parameter"),
    ("/v1/artists/abc", 400, "invalid_parameter"),
    ("/v1/artists/0", 400, "invalid_parameter"),
    ("/v1/artists/-1", 400, "invalid_parameter"),
    ("/v1/artists/2147483647", 404, "artist_not_found"),
    ("/v1/artists/3?limit=2", 400, "unknown_parameter"),
    ("/v1/artists/3/neighbours?limit=101", 400, "invalid_parameter"),
    ("/v1/artists/3/neighbours?offset=-1", 400, "invalid_parameter"),
    ("/v1/artists/3/neighbours?offset=1000001", 400, "invalid_parameter"),
    ("/v1/artists/2147483647/neighbours", 404, "artist_not_found"),
    ("/v1/artists", 404, "not_found"),
    ("/v2/path?from=1&to=2", 404, "not_found"),
    ("/v1/path/../../etc/passwd", 404, "not_found"),
    ("/v1/path/?from=3&to=3", 404, "not_found"),
    ("/v1/artists/3/", 404, "not_found"),
    ("/healthz?verbose=1", 400, "unknown_parameter"),
]


@pytest.mark.parametrize(("url", "status", "code"), BAD_REQUESTS)
def test_bad_request_answers_json_error(client, sample_root, url, status, code):
    assert_error(client.get(url), status, code, sample_root)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_rejected(client, sample_root, method):
    response = client.request(method, "/v1/path?from=3&to=13", content=b"{}")
    body = assert_error(response, 405, "method_not_allowed", sample_root)
    assert "GET" in body["error"]["message"]


def test_invalid_utf8_query_is_not_a_server_error(client):
    response = client.get("/v1/artists/search?q=%FF%FE")
    assert response.status_code in (200, 400)
    assert response.headers["content-type"].startswith("application/json")


def test_error_message_names_value_and_bound(client):
    message = client.get("/v1/artists/search?q=a&limit=500").json()["error"]["message"]
    assert "limit" in message
    assert "500" in message
    assert "50" in message


def test_unknown_parameter_lists_the_accepted_ones(client):
    message = client.get("/v1/path?from=1&to=2&hops=3").json()["error"]["message"]
    assert "'hops'" in message
    assert "from, to, ruleset" in message


# HTTP caching


def test_etag_and_304(client, artist_ids):
    a, b = artist_ids["popular"][:2]
    params = {"from": a, "to": b}
    first = client.get("/v1/path", params=params)
    etag = first.headers["etag"]
    assert SNAPSHOT in etag
    assert "all-credits" in etag
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "s-maxage=" in first.headers["cache-control"]

    again = client.get("/v1/path", params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == first.headers["cache-control"]

    weak = client.get("/v1/path", params=params, headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    stale = client.get("/v1/path", params=params, headers={"If-None-Match": '"v1-old"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()


def test_etag_differs_by_ruleset(client, artist_ids):
    artist_id = artist_ids["popular"][0]
    tags = {
        ruleset: client.get(f"/v1/artists/{artist_id}", params={"ruleset": ruleset}).headers["etag"]
        for ruleset in RULESETS
    }
    assert tags["all-credits"] != tags["performers"]
    response = client.get(
        f"/v1/artists/{artist_id}",
        params={"ruleset": "performers"},
        headers={"If-None-Match": tags["all-credits"]},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/v1/artists/search?q=au", "/v1/artists/{id}", "/v1/artists/{id}/neighbours?limit=3"],
)
def test_every_answer_revalidates(client, artist_ids, url):
    url = url.format(id=artist_ids["popular"][0])
    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_matching_etag_does_not_hide_errors(client, artist_ids):
    etag = client.get(f"/v1/artists/{artist_ids['popular'][0]}").headers["etag"]
    response = client.get("/v1/artists/2147483647", headers={"If-None-Match": etag})
    assert response.status_code == 404


def test_etag_matching_rules():
    assert etag_matches('"a"', '"a"')
    assert etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"')
    assert etag_matches("*", '"a"')
    assert not etag_matches('"b"', '"a"')
    assert not etag_matches("", '"a"')
    assert not etag_matches(None, '"a"')


# CORS


def test_cors_header_on_every_answer(client, artist_ids):
    artist_id = artist_ids["popular"][0]
    for headers in ({}, {"Origin": ORIGIN}, {"Origin": "https://evil.example"}):
        response = client.get(f"/v1/artists/{artist_id}", headers=headers)
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "ETag" in response.headers["access-control-expose-headers"]
    error = client.get("/v1/artists/abc", headers={"Origin": ORIGIN})
    assert error.headers["access-control-allow-origin"] == ORIGIN


def test_cors_preflight_allows_get_from_site(client):
    headers = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    response = client.options("/v1/path", headers=headers)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-methods"] == "GET"


@pytest.mark.parametrize(
    ("origin", "method", "request_headers"),
    [
        ("https://evil.example", "GET", ""),
        (ORIGIN, "POST", ""),
        (ORIGIN, "DELETE", ""),
        (ORIGIN, "GET", "authorization"),
        (ORIGIN + ":8443", "GET", ""),
    ],
)
def test_cors_preflight_rejected(client, sample_root, origin, method, request_headers):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    response = client.options("/v1/path", headers=headers)
    assert_error(response, 403, "cors_rejected", sample_root)
    assert "access-control-allow-methods" not in response.headers


def test_no_origin_configured_sends_no_cors(sample_root, artist_ids):
    with ThreadedServer(settings_for(sample_root)) as server:
        response = httpx.get(f"{server.base_url}/v1/artists/{artist_ids['popular'][0]}")
        preflight = httpx.options(
            f"{server.base_url}/v1/path",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
        )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert preflight.status_code == 403


# rate limiting


def test_rate_limit_per_client_address(sample_root, artist_ids):
    url = f"/v1/artists/{artist_ids['popular'][0]}"
    settings = settings_for(sample_root, rate_limit=0.5, rate_burst=3)
    with ThreadedServer(settings) as server, httpx.Client(base_url=server.base_url) as session:
        first = {"CF-Connecting-IP": "203.0.113.7"}
        statuses = [session.get(url, headers=first).status_code for _ in range(3)]
        limited = session.get(url, headers=first)
        other = session.get(url, headers={"CF-Connecting-IP": "198.51.100.1"})
        health = [session.get("/healthz", headers=first).status_code for _ in range(10)]
        ready = session.get("/readyz", headers=first)

    assert statuses == [200, 200, 200]
    assert_error(limited, 429, "rate_limited", sample_root)
    assert int(limited.headers["retry-after"]) >= 1
    assert other.status_code == 200
    assert health == [200] * 10
    assert ready.status_code == 200


def test_rate_limit_counts_ipv6_by_64(sample_root, artist_ids):
    url = f"/v1/artists/{artist_ids['popular'][0]}"
    settings = settings_for(sample_root, rate_limit=0.5, rate_burst=2)
    with ThreadedServer(settings) as server, httpx.Client(base_url=server.base_url) as session:
        one = session.get(url, headers={"CF-Connecting-IP": "2001:db8:1:2::1"})
        two = session.get(url, headers={"CF-Connecting-IP": "2001:db8:1:2::ffff"})
        three = session.get(url, headers={"CF-Connecting-IP": "2001:db8:1:2:aaaa::9"})
        elsewhere = session.get(url, headers={"CF-Connecting-IP": "2001:db8:1:3::1"})
    assert [one.status_code, two.status_code, three.status_code] == [200, 200, 429]
    assert elsewhere.status_code == 200


def test_rate_limiter_refills_over_time():
    limiter = RateLimiter(rate=2.0, burst=2)
    assert limiter.acquire("a", now=0.0) == 0
    assert limiter.acquire("a", now=0.0) == 0
    assert limiter.acquire("a", now=0.0) == pytest.approx(0.5)
    assert limiter.acquire("a", now=0.5) == 0
    assert limiter.acquire("b", now=0.5) == 0


def test_rate_limiter_forgets_oldest_clients():
    limiter = RateLimiter(rate=1.0, burst=1, max_clients=2)
    for key in ("a", "b", "c"):
        limiter.acquire(key, now=0.0)
    assert len(limiter._buckets) == 2
    assert limiter.acquire("a", now=0.0) == 0


def test_client_key_falls_back_to_peer():
    peer = {"client": ("127.0.0.1", 5000), "headers": []}
    assert client_key(peer) == "127.0.0.1"
    forged = {"client": ("127.0.0.1", 5000), "headers": [(b"cf-connecting-ip", b"not-an-ip")]}
    assert client_key(forged) == "127.0.0.1"
    mapped = {"client": None, "headers": [(b"cf-connecting-ip", b"::ffff:192.0.2.1")]}
    assert client_key(mapped) == "192.0.2.1"


# query budget


def far_pair(root: DataRoot) -> tuple[int, int]:
    graph = open_graph(root, SNAPSHOT, "all-credits")
    rng = random.Random(4)
    ids = graph.artist_ids.tolist()
    while True:
        a, b = rng.sample(ids, 2)
        result = find_path(graph, a, b)
        if result.found and result.hops >= 3:
            return a, b


def test_budget_hops(sample_root):
    a, b = far_pair(sample_root)
    with ThreadedServer(settings_for(sample_root, max_hops=2)) as server:
        response = httpx.get(f"{server.base_url}/v1/path", params={"from": a, "to": b})
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "budget"
    assert body["hops"] is None
    assert body["message"] == "no chain within 2 hops"


def test_budget_nodes_expanded(sample_root):
    a, b = far_pair(sample_root)
    with ThreadedServer(settings_for(sample_root, max_expanded=3)) as server:
        started = time.monotonic()
        response = httpx.get(f"{server.base_url}/v1/path", params={"from": a, "to": b})
        elapsed = time.monotonic() - started
    body = response.json()
    assert body["status"] == "budget"
    assert "more than 3 nodes expanded" in body["message"]
    assert response.headers["etag"]
    assert elapsed < 5


def test_budget_wall_time(sample_root):
    a, b = far_pair(sample_root)
    with ThreadedServer(settings_for(sample_root, query_timeout=0.0)) as server:
        response = httpx.get(f"{server.base_url}/v1/path", params={"from": a, "to": b})
        again = httpx.get(f"{server.base_url}/v1/path", params={"from": a, "to": b})
    body = response.json()
    assert body["status"] == "budget"
    assert "timed out" in body["message"]
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    assert again.json()["status"] == "budget"


def test_search_pool_sheds_load():
    import asyncio

    release = threading.Event()
    pool = SearchPool(threads=1, max_queued=0)

    async def scenario():
        blocked = asyncio.ensure_future(pool.run(release.wait, 10))
        await asyncio.sleep(0.05)
        with pytest.raises(ApiError) as rejected:
            await pool.run(lambda: None)
        release.set()
        await blocked
        return rejected.value

    # In a thread of its own: a browser test's Playwright session, when it ran
    # earlier on the same pytest worker, keeps an event loop running in this one.
    try:
        with ThreadPoolExecutor(max_workers=1) as runner:
            error = runner.submit(asyncio.run, scenario()).result()
    finally:
        pool.shutdown()
    assert error.status == 503
    assert error.code == "busy"
    assert pool.pending == 0


# health, logs, OpenAPI


def test_every_worker_ready_before_serving(sample_root, artist_ids, tmp_path):
    """Each worker loads the snapshot before it accepts connections, so none responds 503."""
    arguments = ["--snapshot", SNAPSHOT, "--workers", "2", "--rate-limit", "0"]
    with ApiProcess(sample_root.root, arguments, tmp_path / "workers.log") as server:
        url = f"{server.base_url}/v1/artists/{artist_ids['popular'][0]}"
        # A new connection per request lets the kernel hand them to either worker.
        statuses = [httpx.get(url).status_code for _ in range(40)]
    assert statuses == [200] * 40


def test_health_endpoints(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["snapshot"] == SNAPSHOT
    assert ready["rulesets"] == list(RULESETS)


def test_openapi_lists_endpoints_and_rulesets(client):
    document = client.get("/openapi.json").json()
    paths = set(document["paths"])
    assert {"/v1/path", "/v1/artists/search", "/v1/artists/{artist_id}"} <= paths
    assert {"/v1/artists/{artist_id}/neighbours", "/healthz", "/readyz"} <= paths
    parameters = document["paths"]["/v1/path"]["get"]["parameters"]
    ruleset = next(p for p in parameters if p["name"] == "ruleset")
    assert ruleset["schema"]["enum"] == list(RULESETS)
    assert "422" not in json.dumps(document["paths"])
    assert client.get("/docs").status_code == 404


def test_one_log_line_per_request(api, client, artist_ids):
    # No other test requests this pair in this order.
    b, a = artist_ids["random"][1:3]
    client.get("/v1/path", params={"from": a, "to": b, "ruleset": "all-credits"})
    client.get("/v1/artists/abc")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = api.log_text().splitlines()
        found = [line for line in lines if f"from={a} to={b}" in line]
        bad = [line for line in lines if "GET /v1/artists/abc 400" in line]
        if found and bad:
            break
        time.sleep(0.1)
    assert len(found) == 1
    assert "GET /v1/path 200" in found[0]
    assert " ms " in found[0]
    assert "ruleset=all-credits" in found[0]
    assert "client=127.0.0.1" in found[0]
    assert "error=invalid_parameter" in bad[0]


def test_crash_answers_json_500_and_logs_context(sample_root):
    """A route that raises plays the part of a bug; it is added to a real app for this test only."""
    import logging

    server = ThreadedServer(settings_for(sample_root))

    @server.app.get("/v1/crash")
    def crash():
        raise RuntimeError(f"secret detail in {sample_root.root}")

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("mcg.api.middleware")
    logger.addHandler(handler)
    try:
        with server:
            response = httpx.get(f"{server.base_url}/v1/crash?x=1")
    finally:
        logger.removeHandler(handler)

    assert_error(response, 500, "internal_error", sample_root)
    assert "secret" not in response.text
    failures = [r for r in records if r.getMessage().startswith("request failed")]
    assert len(failures) == 1
    assert "/v1/crash?x=1" in failures[0].getMessage()
    assert failures[0].exc_info is not None


# snapshot switch


def test_switch_current_without_downtime(sample_root, artist_ids, tmp_path):
    runner = CliRunner()
    base = ["--data-root", str(sample_root.root), "-q", "api"]
    switch = runner.invoke(cli, [*base, "--snapshot", SNAPSHOT, "--set-current"])
    assert switch.exit_code == 0, switch.output
    assert os.readlink(sample_root.root / "graph" / "current") == SNAPSHOT

    arguments = ["--snapshot", "current", "--rulesets", "all-credits", "--reload-interval", "0.2"]
    arguments += ["--rate-limit", "0"]
    with ApiProcess(sample_root.root, arguments, tmp_path / "switch.log") as server:
        session = httpx.Client(base_url=server.base_url, timeout=10.0)
        assert session.get("/readyz").json()["snapshot"] == SNAPSHOT
        old_etag = session.get("/v1/artists/search", params={"q": "a"}).headers["etag"]

        failures, snapshots, stop = [], set(), threading.Event()

        def keep_asking():
            with httpx.Client(base_url=server.base_url, timeout=10.0) as asker:
                while not stop.is_set():
                    response = asker.get("/v1/artists/search", params={"q": "a"})
                    if response.status_code != 200:
                        failures.append(response.status_code)
                    snapshots.add(response.headers.get("etag"))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            time.sleep(0.3)
            switch = runner.invoke(cli, [*base, "--snapshot", SECOND_SNAPSHOT, "--set-current"])
            assert switch.exit_code == 0, switch.output
            deadline = time.monotonic() + 20
            while session.get("/readyz").json()["snapshot"] != SECOND_SNAPSHOT:
                assert time.monotonic() < deadline, "the server did not switch within 20 s"
                time.sleep(0.1)
            time.sleep(0.3)
        finally:
            stop.set()
            asker.join()

        new_etag = session.get("/v1/artists/search", params={"q": "a"}).headers["etag"]
        session.close()
        log = server.log_text()

    assert failures == []
    assert old_etag != new_etag
    assert {old_etag, new_etag} <= snapshots
    assert f"replacing {SNAPSHOT}" in log


def test_api_command_errors(tmp_path):
    root = tmp_path / "empty"
    runner = CliRunner()
    missing = runner.invoke(cli, ["--data-root", str(root), "api", "--snapshot", "20150101"])
    assert missing.exit_code == 3
    assert "mcg graph --snapshot 20150101" in missing.output
    no_link = runner.invoke(cli, ["--data-root", str(root), "api", "--snapshot", "current"])
    assert no_link.exit_code == 3
    assert "--set-current" in no_link.output


def test_api_command_rejects_busy_port(sample_root):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        arguments = ["--data-root", str(sample_root.root), "api", "--snapshot", SNAPSHOT]
        result = CliRunner().invoke(cli, [*arguments, "--host", "127.0.0.1", "--port", str(port)])

    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "another --port" in result.output


def test_api_command_rejects_bad_origin(sample_root):
    arguments = ["--data-root", str(sample_root.root), "api", "--snapshot", SNAPSHOT]
    for origin in ("ftp://x.example", "https://x.example/path", "x.example"):
        result = CliRunner().invoke(cli, [*arguments, "--origin", origin])
        assert result.exit_code == 2, origin
        assert "invalid origin" in result.output


def test_broken_snapshot_keeps_old_one_serving(sample_root, tmp_path):
    import shutil

    broken = sample_root.root / "graph" / "broken"
    shutil.copytree(sample_root.graph(SECOND_SNAPSHOT, "all-credits"), broken / "all-credits")
    target = broken / "all-credits" / "csr" / "release_artists.npy"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))

    runner = CliRunner()
    base = ["--data-root", str(sample_root.root), "-q", "api", "--rulesets", "all-credits"]
    refused = runner.invoke(cli, [*base, "--snapshot", "broken", "--set-current"])
    assert refused.exit_code != 0
    assert "SHA-256" in refused.output

    assert runner.invoke(cli, [*base, "--snapshot", SNAPSHOT, "--set-current"]).exit_code == 0
    arguments = ["--snapshot", "current", "--rulesets", "all-credits", "--reload-interval", "0.2"]
    with ApiProcess(sample_root.root, arguments, tmp_path / "broken.log") as server:
        link = sample_root.root / "graph" / "current"
        temporary = link.with_name(".current.test")
        os.symlink("broken", temporary)
        os.replace(temporary, link)
        deadline = time.monotonic() + 10
        while "not loaded" not in server.log_text():
            assert time.monotonic() < deadline, "the server did not report the broken snapshot"
            time.sleep(0.1)
        ready = httpx.get(f"{server.base_url}/readyz")
        log = server.log_text()

    assert ready.status_code == 200
    assert ready.json()["snapshot"] == SNAPSHOT
    assert "SHA-256 does not match" in log
