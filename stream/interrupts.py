"""Ctrl-C and SIGTERM as a request to stop cleanly, not an exception.

Inside :class:`StopRequest`, the first SIGINT or SIGTERM only records itself:
a source that polls :attr:`StopRequest.requested` ends its stream at the next
batch, the dataflow finishes its epoch and the sinks flush, so the store holds
every event up to that point and nothing half-written. A second signal means
"now": the process exits at once with 130 or 143 (every write is a
transaction, so the store still holds nothing half-written; an exception
raised inside Bytewax's Rust runtime would end in a panic and a backtrace).

>>> import os, signal
>>> with StopRequest() as stop:
...     os.kill(os.getpid(), signal.SIGINT)
...     stop.requested, stop.exit_code
(True, 130)
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Stop now: ``exit_code`` is 130 for SIGINT, 143 for SIGTERM. A
    BaseException, like KeyboardInterrupt, so no ``except Exception`` swallows
    it; not a KeyboardInterrupt, which typer would turn into a silent 130."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


class StopRequest:
    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, signal.Handlers | int | Callable | None] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None:
            os.write(2, b"\ninterrupted again: stopped at once\n")
            os._exit(128 + signum)
        self.signum = signum

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()


def raise_on_signals() -> None:
    """SIGINT and SIGTERM raise :class:`Interrupted` (SIGTERM's default kills
    the process with nothing flushed and nothing said). A SIGINT ignored by
    whoever started us (``nohup``, a background job) stays ignored."""

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signum)

    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, interrupt)


def signal_name(stop: StopRequest) -> str:
    return signal.Signals(stop.signum or signal.SIGINT).name
