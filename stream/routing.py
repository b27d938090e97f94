"""Leagues spread evenly over the workers of a Bytewax cluster.

Bytewax sends each key of a stateful step to the worker its hash picks, and
four of the five bundled leagues pick the same one of two workers: a cluster
of two processes left one core idle. So the dataflow keys a league's events by
a *routing key*: the league itself where its hash already lands on the worker
a balanced plan wants, else the league with a suffix (``E0~3``) that lands
there. Leagues are planned heaviest first onto the lightest worker, weighed
by their matches in the data dir; a league the plan does not know keeps its
own name (Bytewax's hash).

Which worker a key lands on is asked of Bytewax itself, by running a tiny
dataflow on as many worker threads (:func:`bytewax_workers`, 0.3 s): the
route of a key depends only on the number of workers, not on how they are
spread over processes. The routing key is also the state's key in Bytewax's
recovery store, so a run with ``--recovery-dir`` keeps the first plan it
made there (``routes.json``) whatever the number of workers after it.

>>> plan({"E0": 380, "SP1": 380, "E1": 552, "I1": 380, "D1": 306}, 2)
{'E1': 0, 'SP1': 0, 'E0': 1, 'I1': 1, 'D1': 1}
>>> by_length = lambda keys, workers: {k: len(k) % workers for k in keys}
>>> routing_keys({"E0": 1, "SP1": 1}, 2, by_length)
{'E0': 'E0~10', 'SP1': 'SP1'}
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("matchflow.routing")
SEPARATOR = "~"
SUFFIXES = 64  # candidates per league; each lands on a given worker with p = 1/workers
Router = Callable[[list[str], int], dict[str, int]]


def split(sizes: dict[str, int], groups: int) -> list[list[str]]:
    """Leagues into at most ``groups`` groups of nearly equal total size:
    each league, largest first, joins the group with the least so far.

    >>> split({"E0": 40, "SP1": 30, "E1": 25, "D1": 20}, 2)
    [['E0', 'D1'], ['SP1', 'E1']]
    """
    found: list[list[str]] = [[] for _ in range(min(groups, len(sizes)))]
    totals = [0] * len(found)
    for league in sorted(sizes, key=lambda code: (-sizes[code], code)):
        lightest = totals.index(min(totals))
        found[lightest].append(league)
        totals[lightest] += sizes[league]
    return found


def plan(weights: dict[str, int], workers: int) -> dict[str, int]:
    """League -> worker, balanced by weight."""
    return {
        league: worker for worker, group in enumerate(split(weights, workers)) for league in group
    }


def routing_keys(targets: dict[str, int], workers: int, route: Router) -> dict[str, str]:
    """League -> the first of its candidate keys that lands on its worker."""
    candidates = {
        league: [league] + [f"{league}{SEPARATOR}{i}" for i in range(1, SUFFIXES)]
        for league in targets
    }
    landed = route([key for keys in candidates.values() for key in keys], workers)
    keys = {}
    for league, worker in targets.items():
        found = next((k for k in candidates[league] if landed[k] == worker), None)
        keys[league] = found or league  # 64 misses in a row: p = (1 - 1/workers)^64
    return keys


def bytewax_workers(keys: list[str], workers: int) -> dict[str, int]:
    """The worker Bytewax's stateful steps send each key to, in a cluster of
    ``workers`` workers: asked of a dataflow run on that many threads."""
    import bytewax.operators as op
    from bytewax.dataflow import Dataflow
    from bytewax.outputs import DynamicSink, StatelessSinkPartition
    from bytewax.testing import TestingSource, cluster_main

    landed: dict[str, int] = {}

    class _Seen(StatelessSinkPartition):
        def __init__(self, worker: int) -> None:
            self.worker = worker

        def write_batch(self, items: list) -> None:
            for key, _ in items:
                landed[key] = self.worker

    class _Sink(DynamicSink):
        def build(self, step_id: str, worker_index: int, worker_count: int) -> _Seen:
            return _Seen(worker_index)

    flow = Dataflow("routing_probe")
    keyed = op.key_on("key", op.input("keys", flow, TestingSource(keys)), lambda key: key)
    op.output("seen", op.stateful_map("state", keyed, lambda state, key: (state, key)), _Sink())
    cluster_main(flow, [], 0, worker_count_per_proc=workers)
    return landed


def league_weights(data_dir: Path) -> dict[str, int]:
    """Each league of a data dir, weighed by its matches over every season:
    what a replay of the data dir puts on the topic, and for a live season
    the history the models warmed up on."""
    from stream.loader import available

    weights = {}
    for league, seasons in available(data_dir).items():
        rows = 0
        for season in seasons:
            with open(data_dir / league / f"{season}.csv", "rb") as lines:
                rows += max(sum(1 for line in lines if line.strip(b" ,\r\n")) - 1, 0)
        weights[league] = max(rows, 1)
    return weights


def cluster_routes(
    workers: int, data_dir: Path, recovery_dir: Path | None, route: Router = bytewax_workers
) -> dict[str, str]:
    """The routing keys of a cluster of ``workers`` workers: kept in the
    recovery directory once made there, since they key the saved states."""
    saved = recovery_dir / "routes.json" if recovery_dir is not None else None
    if saved is not None and saved.is_file():
        routes = json.loads(saved.read_text())
        log.info("league routing kept from %s (it keys the saved states)", saved)
        return {str(k): str(v) for k, v in routes.items()}
    routes = routing_keys(plan(league_weights(data_dir), workers), workers, route)
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(routes, indent=1, sort_keys=True))
    return routes


@dataclass(frozen=True)
class Share:
    """One process's share of the leagues in ``run --processes N``: N
    dataflows side by side, each reading the whole topic and keeping the
    events of its own leagues (no Bytewax cluster: its idle workers spin,
    and every event would cross between processes).

    A message's key (the league, as matchflow's producers send it) decides
    before anything is parsed; a message without a key is parsed, and its
    league decides. A league the plan does not know goes by a hash of its
    name.

    >>> share = Share(1, 2, {"E0": 0, "SP1": 1})
    >>> share.takes_key(b"SP1"), share.takes_key(b"E0"), share.takes_key(None)
    (True, False, True)
    >>> share.owner("XX") in (0, 1)
    True
    """

    index: int
    count: int
    owners: dict[str, int]

    def owner(self, league: str) -> int:
        known = self.owners.get(league)
        return known if known is not None else zlib.crc32(league.encode()) % self.count

    def takes_key(self, key: bytes | None) -> bool:
        return key is None or self.owner(key.decode("utf-8", "replace")) == self.index

    def to_json(self) -> str:
        return json.dumps({"index": self.index, "count": self.count, "owners": self.owners})

    @classmethod
    def from_json(cls, text: str) -> Share:
        """Raises ValueError when ``text`` is not a share."""
        data = json.loads(text)
        share = cls(int(data["index"]), int(data["count"]), dict(data["owners"]))
        if not 0 <= share.index < share.count or not all(
            isinstance(v, int) and 0 <= v < share.count for v in share.owners.values()
        ):
            raise ValueError(f"not a share of {share.count} processes: {text[:200]}")
        return share


class PlanMismatch(ValueError):
    pass


def share_plan(count: int, data_dir: Path, recovery_dir: Path | None) -> dict[str, int]:
    """League -> process for ``count`` processes, balanced by weight. A
    recovery directory keeps it (each process saves its leagues' states in a
    folder of its own there), and refuses another number of processes."""
    saved = recovery_dir / "shares.json" if recovery_dir is not None else None
    if saved is not None and saved.is_file():
        kept = json.loads(saved.read_text())
        if kept["count"] != count:
            raise PlanMismatch(
                f"--processes: {recovery_dir} holds the states of {kept['count']} processes, "
                f"not {count}; run with --processes {kept['count']} or a new --recovery-dir"
            )
        return {str(k): int(v) for k, v in kept["owners"].items()}
    owners = plan(league_weights(data_dir), count)
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({"count": count, "owners": owners}, indent=1))
    return owners
