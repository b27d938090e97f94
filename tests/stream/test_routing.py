"""Leagues spread evenly over a cluster's workers ([first-day]): Bytewax's own
routing, asked of Bytewax, and a plan kept where the states are."""

from __future__ import annotations

import json

from stream.loader import BUNDLED_DATA
from stream.routing import bytewax_workers, cluster_routes, league_weights, plan


def test_the_bundled_leagues_land_where_the_plan_puts_them():
    weights = league_weights(BUNDLED_DATA)
    assert weights == {"D1": 306, "E0": 380, "E1": 552, "I1": 380, "SP1": 380}
    for workers in (2, 3, 4):
        routes = cluster_routes(workers, BUNDLED_DATA, None)
        landed = bytewax_workers(list(routes.values()), workers)
        assert {league: landed[key] for league, key in routes.items()} == plan(weights, workers)
    # with two workers: E1 and SP1 (932 matches a season) beside E0, I1 and D1 (1,066);
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
