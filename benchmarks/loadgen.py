"""A small HTTP/1.1 load generator, run as its own process by ``bench_api``.

Plain asyncio streams with keep-alive connections (an HTTP client library
costs more CPU per request than the server under test, and the two share the
machine):

* ``rate``: open loop, requests start on a fixed schedule; each latency counts
  from its scheduled start, so a slow server cannot hide its queueing.
* ``max``: closed loop, ``concurrency`` clients back to back; requests/s.

Prints one JSON object: count, errors, seconds, rps, p50_ms, p99_ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit


class Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
        return cls(reader, writer, request)

    async def get(self) -> int:
        """One request on this connection; returns the status code."""
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def _summary(latencies: list[float], errors: int, seconds: float) -> dict:
    ordered = sorted(latencies)

    def pick(q: float) -> float | None:
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000 if ordered else None

    return {
        "count": len(ordered),
        "errors": errors,
        "seconds": round(seconds, 3),
        "rps": round(len(ordered) / seconds, 1),
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "max_ms": pick(1.0),
    }


async def open_loop(
    url: str, rate: float, duration: float, pool: int = 32, until: Path | None = None
) -> dict:
    """``rate`` requests a second for ``duration`` seconds, or until the file
    ``until`` exists (a writer's end, say)."""
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        idle.put_nowait(await Connection.open(url))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def one(due: float) -> None:
        await asyncio.sleep(max(due - time.perf_counter(), 0))
        conn = await idle.get()
        statuses[await conn.get()] += 1
        latencies.append(time.perf_counter() - due)
        idle.put_nowait(conn)

    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(int(rate * duration)):
        if until is not None and i % max(int(rate / 10), 1) == 0 and until.exists():
            break
        tasks.append(asyncio.create_task(one(start + i / rate)))
        await asyncio.sleep(max(start + i / rate - time.perf_counter() - 0.5, 0))  # stay ahead
    await asyncio.gather(*tasks)
    errors = sum(n for status, n in statuses.items() if status != 200)
    summary = _summary(latencies, errors, time.perf_counter() - start)
    summary["statuses"] = {str(status): n for status, n in sorted(statuses.items())}
    return summary


async def closed_loop(url: str, concurrency: int, duration: float) -> dict:
    latencies, errors = [], 0
    conns = [await Connection.open(url) for _ in range(concurrency)]
    start = time.perf_counter()
    stop = start + duration

    async def worker(conn: Connection) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            if await conn.get() != 200:
                errors += 1
            latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(worker(c) for c in conns))
    for conn in conns:
        conn.close()
    return _summary(latencies, errors, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description="HTTP load for one URL")
    parser.add_argument("url")
    parser.add_argument("--mode", choices=["rate", "max"], default="rate")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--until", type=Path, help="rate: stop early once this file exists")
    args = parser.parse_args()
    if args.mode == "rate":
        result = asyncio.run(open_loop(args.url, args.rate, args.seconds, until=args.until))
    else:
        result = asyncio.run(closed_loop(args.url, args.concurrency, args.seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
