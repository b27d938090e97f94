"""When a league's state goes to MLflow: the policy, on a real processor, with
a logger that records what it is handed and a clock the test moves."""

from __future__ import annotations

import pickle

from stream.config import FlowConfig
from stream.context import RunContext
from stream.league import LeagueProcessor
from stream.records import Record
from stream.snapshots import SnapshotPolicy
from tests.support.data import bundled_events


class RecordingLogger:
    def __init__(self) -> None:
        self.submitted: list = []
        self.busy = False

    def ready(self, league: str) -> bool:
        return not self.busy

    def submit(self, snapshot) -> None:
        self.submitted.append(snapshot)


def _policy(min_interval: float):
    now = [0.0]
    logger = RecordingLogger()
    return SnapshotPolicy(logger, min_interval, clock=lambda: now[0]), logger, now  # type: ignore[arg-type]


def _season(policy: SnapshotPolicy, now: list[float], step: float) -> LeagueProcessor:
    processor = LeagueProcessor("E0", FlowConfig())
    for event in bundled_events("E0", "2016-17"):
        records = processor.process(event)
        policy.after(processor, [r for r in records if r.table != "drift_events"])
        policy.take_due(processor)  # an epoch per event
        now[0] += step
    return processor


def test_a_matchweek_of_results_makes_a_scheduled_snapshot():
    policy, logger, now = _policy(min_interval=0.0)
    processor = _season(policy, now, step=1.0)
    taken = [s for s in logger.submitted if s.trigger == "schedule"]
    assert 30 <= len(taken) <= 40  # 380 matches, a matchweek is 10 of them
    assert pickle.loads(taken[-1].state).learned == processor.last_snapshot
    assert taken[-1].params["flow.edge"] == "0.1" and "arf.n_models" in taken[-1].params


def test_wall_time_between_snapshots_bounds_a_fast_replay():
    policy, logger, now = _policy(min_interval=20.0)
    _season(policy, now, step=0.001)  # the whole season in about 2 s of clock
    assert len(logger.submitted) <= 1


def test_a_busy_logger_skips_snapshots_and_a_drift_alarm_takes_one():
    policy, logger, now = _policy(min_interval=0.0)
    logger.busy = True
    _season(policy, now, step=1.0)
    assert logger.submitted == []
    logger.busy = False
    processor = LeagueProcessor("E0", FlowConfig())
    policy.after(processor, [Record("drift_events", {"league": "E0"})])
    assert logger.submitted == []  # owed until the epoch ends
    policy.take_due(processor)
    assert [s.trigger for s in logger.submitted] == ["drift"]


def test_the_final_snapshot_only_when_something_was_learned():
    policy, logger, _ = _policy(min_interval=0.0)
    policy.final(LeagueProcessor("E0", FlowConfig()))
    assert logger.submitted == []


def test_a_run_context_without_options_starts_each_league_cold():
    context = RunContext()
    processor = context.new_processor("SP1", FlowConfig(seed=3))
    assert processor.league == "SP1" and processor.config.seed == 3
    assert context.snapshots is None and context.logged == []


def test_a_failing_callback_is_counted_and_the_leagues_snapshots_go_on():
    import queue

    from models.snapshots import SnapshotLogger

    failures = []

    def refuse(row):
        raise OSError("store is read-only")

    logger = SnapshotLogger(
        "unused", key=b"k", on_logged=refuse, on_error=lambda *f: failures.append(f)
    )
    logger._outbox = queue.Queue()  # type: ignore[assignment]
    for league in ("E0", "E0", "SP1"):
        logger._in_flight[league] = logger._in_flight.get(league, 0) + 1
    logger._outbox.put(("ok", "E0", {"version": 1}))
    logger._outbox.put(("error", "E0", "MlflowException: registry down"))
    logger._outbox.put(("ok", "SP1", {"version": 1}))
    logger._outbox.put(None)
    logger._collect()  # returns: the reader did not die at the first failure
    assert [league for league, _ in failures] == ["E0", "E0", "SP1"]
    assert "OSError: store is read-only" in failures[0][1] and "registry down" in failures[1][1]
    assert logger.ready("E0") and logger.ready("SP1") and len(logger.errors) == 3


def test_every_pickle_agrees_on_when_the_league_was_last_snapshotted(e0_two_seasons):
    import pickle

    from stream.config import FlowConfig
    from stream.league import LeagueProcessor
    from stream.snapshots import SnapshotPolicy

    class Ready:
        def __init__(self):
            self.submitted = []

        def ready(self, league):
            return True

        def submit(self, snapshot):
            self.submitted.append(snapshot)

    logger = Ready()
    policy = SnapshotPolicy(logger, min_interval=0.0)  # type: ignore[arg-type]
    processor = LeagueProcessor("E0", FlowConfig())
    for event in list(e0_two_seasons)[:1200]:
        policy.after(processor, processor.process(event))
        if processor.learned and processor.learned % 40 == 0:
            taken = len(logger.submitted)
            policy.take_due(processor)  # as the dataflow does: before recovery pickles
            if len(logger.submitted) > taken:
                assert logger.submitted[-1].state is processor.pickled()  # one pickle for both
    assert logger.submitted
    for snapshot in logger.submitted:
        state = pickle.loads(snapshot.state)
        assert state.last_snapshot == state.learned  # a resume owes nothing at once
