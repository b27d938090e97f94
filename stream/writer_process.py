"""A store's writes in a child process, so they never hold this process's GIL.

psycopg's Python work per statement holds the GIL that the dataflow's worker
needs: writing PostgreSQL from a thread slowed the worker's own processing by
about a tenth (``benchmarks/bench_paths.py``). The child (``python -m
stream.writer_process``, which imports only the store) opens the store and
takes pickled batches over a pipe; the parent blocks on the reply with the GIL
released, so :meth:`WriterProcess.write` still returns once the rows are
stored, or raises :class:`StoreError` with the child's reason.

The child runs in its own session, so a terminal's Ctrl-C reaches only the
parent (which ends the stream and closes the writer); it exits when its pipe
closes, so a killed parent leaves no process behind. The URL travels over the
pipe, not the command line, where ``ps`` would show its password.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import Any

from stream.records import Record
from stream.storage import StoreError, open_store

READY_TIMEOUT = 90.0  # seconds: the child's imports, connecting, migrations
_CLOSE = b"close"


class WriterProcess:
    """``write`` and ``close`` of the store at ``url``, run by a child process.

    Starting does not wait for the child: the first write does (from the
    sink's writer thread, not the dataflow's worker), and reports a store that
    cannot open."""

    def __init__(self, url: str) -> None:
        down_read, down_write = os.pipe()
        up_read, up_write = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "stream.writer_process", str(down_read), str(up_write)],
            pass_fds=(down_read, up_write),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(down_read)
        os.close(up_write)
        self._to_child = Connection(down_write, readable=False)
        self._from_child = Connection(up_read, writable=False)
        self._to_child.send(url)
        self._ready = False
        self._opened = True  # false once the child said it could not open the store

    def _reply(self, timeout: float | None = None) -> Any:
        if timeout is not None and not self._from_child.poll(timeout):
            self._process.kill()
            raise StoreError(f"store writer: no answer within {timeout:g} s")
        try:
            kind, value = self._from_child.recv()
        except EOFError:
            raise StoreError(
                f"store writer: the process ended (exit code {self._process.poll()})"
            ) from None
        if kind == "error":
            raise StoreError(str(value))
        return value

    def _wait_ready(self) -> None:
        if not self._ready:
            try:
                self._reply(READY_TIMEOUT)
            except StoreError:
                self._opened = False
                raise
            self._ready = True

    def write(self, records: list[Record]) -> int:
        self._wait_ready()
        self._to_child.send_bytes(pickle.dumps(records, pickle.HIGHEST_PROTOCOL))
        return int(self._reply())

    def close(self) -> None:
        try:
            if self._opened and self._process.poll() is None:
                self._wait_ready()
                self._to_child.send_bytes(_CLOSE)
                self._reply(READY_TIMEOUT)
        finally:
            self._to_child.close()
            self._from_child.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def _serve(requests: Connection, replies: Connection) -> None:
    try:
        store = open_store(requests.recv())
    except Exception as exc:
        replies.send(("error", str(exc)))
        return
    replies.send(("ready", None))
    try:
        while (message := requests.recv_bytes()) != _CLOSE:
            try:
                replies.send(("ok", store.write(pickle.loads(message))))
            except Exception as exc:
                replies.send(("error", f"{type(exc).__name__}: {exc}"))
    except EOFError:  # the parent is gone: nobody to answer
        store.close()
        return
    try:
        store.close()
    except Exception as exc:
        replies.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    replies.send(("closed", None))


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError, EOFError):  # the parent is gone
        _serve(
            Connection(int(sys.argv[1]), writable=False),
            Connection(int(sys.argv[2]), readable=False),
        )
