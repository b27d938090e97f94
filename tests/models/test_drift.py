import pickle

from models.drift import DriftMonitor


def test_stable_error_raises_no_alarm():
    monitor = DriftMonitor()
    assert all(monitor.update(0.2 if i % 2 else 0.21) is None for i in range(2000))
    assert monitor.detections == 0


def test_a_jump_in_error_is_reported_with_before_and_after_levels():
    monitor = DriftMonitor()
    alarms = [monitor.update(0.15) for _ in range(500)] + [monitor.update(0.45) for _ in range(300)]
    hits = [a for a in alarms if a is not None]
    assert hits, "ADWIN should flag a tripled error"
    first = hits[0]
    assert 500 < first.matches_seen < 800
    assert first.error_before < first.error_after
    assert monitor.detections == len(hits)


def test_monitor_survives_pickling():
    monitor = DriftMonitor()
    for _ in range(50):
        monitor.update(0.2)
    clone = pickle.loads(pickle.dumps(monitor))
    assert clone.matches_seen == 50
    assert clone.update(0.2) is None
