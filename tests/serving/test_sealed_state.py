"""The API refuses a ``league_state`` blob whose seal does not match: a 503,
and the pickle is never loaded ([api-hardening])."""

from __future__ import annotations

import pickle
import sqlite3

from fastapi.testclient import TestClient

from models.sealing import seal
from serving.app import create_app
from stream.config import Settings
from tests.support.stores import sqlite_copy

FIXTURE = {
    "league": "E0",
    "home": "Arsenal",
    "away": "Chelsea",
    "kickoff": "2023-05-28T15:30:00+00:00",
    "odds": {"home": 2.1, "draw": 3.5, "away": 3.4},
}


class Payload:
    def __reduce__(self):  # unpickling would create this file
        return (open, ("/dev/null",))


def test_a_tampered_league_state_is_refused_not_unpickled(replayed_urls, tmp_path, monkeypatch):
    url = sqlite_copy(replayed_urls[0]["sqlite"], tmp_path / "tampered.db")
    with TestClient(create_app(Settings(db=url))) as client:
        assert client.post("/predict", json=FIXTURE).status_code == 200  # sealed by the replay
    calls = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a))
    forged = seal(pickle.dumps(Payload()), b"not the writer's key")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "UPDATE league_state SET state = ?, matches_learned = matches_learned + 1"
            " WHERE league = 'E0'",
            (forged,),
        )
    with TestClient(create_app(Settings(db=url))) as client:
        refused = client.post("/predict", json=FIXTURE)
    assert refused.status_code == 503 and "seal does not match" in refused.json()["detail"]
    assert calls == []
