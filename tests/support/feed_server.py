"""What the feed tests share: a scriptable football-data.co.uk on 127.0.0.1
(files with ETags answering ``If-None-Match`` with 304, queued one-off
responses such as a 503), its CSVs, an in-memory sink and a simulated crash."""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd

from stream.loader import BUNDLED_DATA

RESULT_COLUMNS = ("FTHG", "FTAG", "FTR", "HTHG", "HTAG", "HTR")


class FeedServer:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, bool]] = {}  # path -> (body, send an ETag)
        self.queued: dict[str, deque[int]] = defaultdict(deque)  # path -> statuses to send first
        self.requests: list[tuple[str, int]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if server.queued[self.path]:
                    return self._error(server.queued[self.path].popleft())
                if self.path not in server.files:
                    return self._error(404)
                body, with_etag = server.files[self.path]
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if with_etag and self.headers.get("If-None-Match") == etag:
                    server.requests.append((self.path, 304))
                    self.send_response(304)
                    self.end_headers()
                    return None
                server.requests.append((self.path, 200))  # before the client can see it
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(body)))
                if with_etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)
                return None

            def _error(self, status: int) -> None:
                server.requests.append((self.path, status))
                self.send_error(status)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def serve(self, path: str, body: bytes, etag: bool = True) -> None:
        self.files[path] = (body, etag)

    def statuses(self, path: str) -> list[int]:
        return [status for p, status in self.requests if p == path]

    def close(self) -> None:
        self._httpd.shutdown()


def season_frame(league: str = "E0", season: str = "2022-23") -> pd.DataFrame:
    frame = pd.read_csv(BUNDLED_DATA / league / f"{season}.csv", dtype=str)
    return frame.loc[:, ~frame.columns.str.startswith("Unnamed")].reset_index(drop=True)


def season_csv(frame: pd.DataFrame, rows: range) -> bytes:
    """The season file once the matches in ``rows`` have been played."""
    return frame.iloc[list(rows)].to_csv(index=False).encode()


def fixtures_csv(frame: pd.DataFrame, rows: range, changes: dict | None = None) -> bytes:
    """The upcoming-fixtures file: no scores, no closing odds; ``changes``
    maps a row to the column values that differ (new odds, a misspelt team)."""
    upcoming = frame.iloc[list(rows)].copy()
    closing = [
        c for c in upcoming.columns if c.startswith(("PSC", "PC", "AHCh", "AvgC", "MaxC", "B365C"))
    ]
    upcoming = upcoming.drop(columns=[c for c in (*RESULT_COLUMNS, *closing) if c in upcoming])
    for row, values in (changes or {}).items():
        for column, value in values.items():
            upcoming.loc[row, column] = value
    return upcoming.to_csv(index=False).encode()


def events_in(frame: pd.DataFrame, played: range, upcoming: range = range(0)) -> int:
    """How many events one poll publishes: a played match's fixture, every
    bookmaker's quote of every market at both moments and its result; an
    upcoming match's fixture and its pre-match quotes."""
    from stream.loader import decode_csv, parse_csv

    season = parse_csv(decode_csv(season_csv(frame, played)), "E0", "2022-23").rows
    coming = (
        parse_csv(decode_csv(fixtures_csv(frame, upcoming)), "E0", "2022-23", played=False).rows
        if len(upcoming)
        else []
    )
    return sum(2 + len(r.pre) + len(r.close) + len(r.goals) for r in season) + sum(
        1 + len(r.pre) + sum(q.phase == "pre" for q in r.goals) for r in coming
    )


class Recorder:
    """An in-memory feed sink."""

    def __init__(self) -> None:
        self.events, self.dead, self.flushes = [], [], 0

    def publish(self, event) -> None:
        self.events.append(event)

    def dead_letter(self, league, match_id, payload, reason) -> None:
        self.dead.append(reason)

    def flush(self) -> None:
        self.flushes += 1

    def positions(self) -> dict[str, int]:
        return {"0": len(self.events)}

    def published_since(self, positions: dict[str, int]):
        return [event.to_json() for event in self.events[positions.get("0", 0) :]]


def crash_when_recording(state) -> None:
    """Let the state save once (the in-flight mark), then die as kill -9 would."""
    real, calls = state.save, []

    def save() -> None:
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt("killed between publishing and recording")
        real()

    state.save = save
