"""The response cache serves a page at most its ``ttl`` behind the store."""

import time

from fastapi.testclient import TestClient

from serving.app import create_app
from stream.config import FlowConfig, Settings
from stream.embedded import run_payloads
from tests.support.data import bundled_events


def test_cached_page_changes_when_the_dataflow_commits(tmp_path):
    events = list(bundled_events("E0", "2017-18"))
    fixtures = [e for e in events if e.type == "fixture"]
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    run_payloads([fixtures[0].to_json()], url, FlowConfig())
    with TestClient(create_app(Settings(db=url))) as client:
        first = client.get("/predictions", params={"status": "all"})
        again = client.get("/predictions", params={"status": "all"})
        assert first.content == again.content and len(first.json()["items"]) == 1
        run_payloads([f.to_json() for f in fixtures[1:3]], url, FlowConfig())
        committed = time.monotonic()
        pages = []
        while len(pages) < 3 or len(pages[-1].json()["items"]) != 3:
            pages.append(client.get("/predictions", params={"status": "all"}))
            assert time.monotonic() - committed < 1.5, "the new page took longer than the ttl"
        metrics = client.get("/metrics").text
        served = 2 + len(pages)
        assert f'route="/predictions",status="200"}} {served}.0' in metrics  # hits count too


def test_distinct_query_strings_of_one_page_are_one_entry(tmp_path):
    events = list(bundled_events("E0", "2017-18"))[:50]
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    run_payloads([e.to_json() for e in events], url, FlowConfig())
    app = create_app(Settings(db=url))
    with TestClient(app) as client:
        pages = {
            client.get(f"/predictions?status=all&junk={i}&league=E0").content for i in range(1100)
        }
        client.get("/predictions?league=E0&status=all")  # the same page, reordered
        assert len(pages) == 1
        assert len(app.state.cache._entries) == 1 and app.state.cache.bytes == len(pages.pop())


def test_no_page_is_served_more_than_ttl_plus_grace_after_its_query_began(monkeypatch):
    from serving import cache as cache_module

    clock = [100.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    cache = cache_module.ResponseCache(ttl=1.0)
    cache.put(("page",), None, b"old", made=99.6)  # its query began 0.4 s before it was kept
    served = []
    for step in range(60):  # a remake that never lands: each caller finds it expired or stale
        clock[0] = 99.6 + step * 0.1
        if cache.get(("page",), None) is not None:
            served.append(clock[0] - 99.6)
    bound = cache.ttl + cache.STALE_GRACE
    assert served and max(served) <= bound + 1e-9
    assert max(served) > cache.ttl  # the grace is used: callers are not all sent to the store
