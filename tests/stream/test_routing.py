"""Leagues spread evenly over a cluster's workers ([first-day]): Bytewax's own
routing, asked of Bytewax, and a plan kept where the states are."""

from __future__ import annotations

import json

import pytest

from stream.loader import BUNDLED_DATA
from stream.routing import (
    PlanMismatch,
    Share,
    bytewax_workers,
    cluster_routes,
    league_weights,
    plan,
    share_plan,
)


def test_the_bundled_leagues_land_where_the_plan_puts_them():
    weights = league_weights(BUNDLED_DATA)
    assert weights == {"D1": 5814, "E0": 7600, "E1": 552, "I1": 7220, "SP1": 7220}
    for workers in (2, 3, 4):
        routes = cluster_routes(workers, BUNDLED_DATA, None)
        landed = bytewax_workers(list(routes.values()), workers)
        assert {league: landed[key] for league, key in routes.items()} == plan(weights, workers)
    # by their names alone, four of the five land on one worker
    by_name = bytewax_workers(list(weights), 2)
    assert max(list(by_name.values()).count(w) for w in (0, 1)) == 4


def test_a_recovery_dir_keeps_its_first_plan(tmp_path):
    """The routing key keys a league's saved state: another worker count must
    find it under the same key."""
    first = cluster_routes(2, BUNDLED_DATA, tmp_path)
    assert json.loads((tmp_path / "routes.json").read_text()) == first
    assert cluster_routes(3, BUNDLED_DATA, tmp_path) == first
    assert cluster_routes(3, BUNDLED_DATA, None) != first


def test_a_share_keeps_its_leagues_and_dead_letters_a_key_that_lies():
    """``run --processes 2``: each process keeps the events of its leagues;
    the message key decides, and a key that is not the event's league is a
    dead letter (the league's own process never saw the message)."""
    from stream.dataflow import REJECTED, keyed_for_share
    from stream.kafka.source import KeyedValue
    from tests.support.data import bundled_events

    e0, sp1 = bundled_events("E0", "2018-19")[0], bundled_events("SP1", "2018-19")[0]
    owners = {"E0": 0, "SP1": 1}
    first, second = (keyed_for_share(Share(i, 2, owners)) for i in (0, 1))
    e0_keyed, e0_bare = KeyedValue(b"E0", e0.to_json().encode()), KeyedValue(None, e0.to_json())

    def kept(keyed, item) -> tuple:
        out = keyed(item)
        assert out is not None
        return out

    assert kept(first, e0_keyed)[0] == "E0" and kept(first, e0_bare)[0] == "E0"
    assert second(e0_bare) is None  # keyless: kept by its league's process only
    lying = KeyedValue(b"SP1", e0.to_json().encode())  # SP1's process takes it by its key
    key, record = kept(second, lying)
    assert key == REJECTED and "is not the event's league 'E0'" in record.row["reason"]
    broken = KeyedValue(None, b"{not json")
    assert kept(first, broken)[0] == REJECTED and second(broken) is None  # dead-lettered once
    assert kept(second, KeyedValue(b"SP1", sp1.to_json().encode()))[0] == "SP1"


def test_a_recovery_dir_keeps_its_shares_and_refuses_another_count(tmp_path):
    owners = share_plan(2, BUNDLED_DATA, tmp_path)
    assert share_plan(2, BUNDLED_DATA, tmp_path) == owners
    assert owners == {"E0": 0, "D1": 0, "E1": 0, "SP1": 1, "I1": 1}  # 13,966 and 14,440 matches
    with pytest.raises(PlanMismatch, match="--processes 2"):
        share_plan(3, BUNDLED_DATA, tmp_path)


@pytest.mark.parametrize("text", ["{", '{"index": 2, "count": 2, "owners": {}}', "[]"])
def test_a_malformed_share_is_refused(text):
    with pytest.raises((ValueError, KeyError, TypeError)):
        Share.from_json(text)
