"""The goals markets in the league step: over/under 2.5 and the Asian handicap
priced, scored, bet and settled beside the 1X2, without changing it."""

import pytest

from models.fair import fair_probabilities
from models.settlement import asian_settlement, over_under
from stream.config import FlowConfig
from stream.league import LeagueProcessor
from stream.storage.sqlite import SQLiteStore
from tests.stream.test_league import _shuffled_quotes, _tampered
from tests.support.data import bundled_events

TABLES = ("odds", "predictions", "bets", "bankroll", "model_metrics")
MARKET_TABLES = ("market_odds", "market_predictions", "market_metrics", "market_bankroll")


@pytest.fixture(scope="module")
def e0_goals():
    """E0 2019-20 and 2020-21 with every market: Pinnacle quotes them all."""
    return bundled_events("E0", "2019-20", "2020-21", goals=True)


def _run(events, config=None):
    processor = LeagueProcessor("E0", config or FlowConfig())
    return processor, [r for e in events for r in processor.process(e)]


def _stored(records, tables):
    store = SQLiteStore("sqlite:///:memory:")
    store.create_schema()
    store.write(records)
    return {t: store.fetch(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4") for t in tables}


def _rows(records, table, match_id=None):
    return [
        r.row
        for r in records
        if r.table == table and not r.delete and match_id in (None, r.row["match_id"])
    ]


def test_a_producer_that_sends_only_1x2_gets_the_same_1x2_rows(e0_goals):
    events = list(e0_goals)[:6000]
    only_1x2 = [e for e in events if e.type != "odds" or e.market == "1x2"]
    assert len(only_1x2) < len(events)
    _, everything = _run(events)
    _, plain = _run(only_1x2)
    mine = _stored(everything, TABLES)
    mine["bets"] = [b for b in mine["bets"] if b["market"] == "1x2"]
    assert mine == _stored(plain, TABLES)
    assert all(not rows for rows in _stored(plain, MARKET_TABLES).values())


def test_every_market_is_priced_scored_and_bet(e0_goals):
    processor, records = _run(list(e0_goals)[:8000])
    stored = _stored(records, MARKET_TABLES)
    assert {r["market"] for r in stored["market_predictions"]} == {"ou25", "ah"}
    assert {r["model"] for r in stored["market_metrics"]} == {"market", "anchored"}
    bets = [b for b in _rows(records, "bets") if b["market"] != "1x2" and b["profit"] is not None]
    assert {b["market"] for b in bets} == {"ou25", "ah"}
    assert processor.goals.learned["ah"] > 300


def test_goals_bets_settle_by_the_rules_and_are_priced_at_the_close(e0_goals):
    events = list(e0_goals)[:8000]
    _, records = _run(events)
    results = {e.match_id: e for e in events if e.type == "result"}
    closing = {
        (e.match_id, e.market): e
        for e in events
        if e.type == "odds" and e.phase == "close" and e.bookmaker == "pinnacle"
    }
    checked = {"ou25": 0, "ah": 0}
    for bet in _rows(records, "bets"):
        if bet["market"] == "1x2" or bet["profit"] is None:
            continue
        result = results[bet["match_id"]]
        goals = (result.home_goals, result.away_goals)
        if bet["market"] == "ou25":
            won = over_under(*goals) == bet["outcome"]
            stake = bet["stake"]
            assert bet["profit"] == pytest.approx(stake * (bet["odds"] - 1) if won else -stake)
            close = closing[(bet["match_id"], "ou25")]
            fair = fair_probabilities(close.prices, "shin")[("over", "under").index(bet["outcome"])]
            assert bet["fair_clv"] == pytest.approx(bet["odds"] * fair - 1)
        else:
            settled = asian_settlement(
                bet["outcome"], bet["line"], bet["odds"], bet["stake"], *goals
            )
            assert bet["profit"] == pytest.approx(settled[0]) and bet["status"] == settled[1]
            close = closing[(bet["match_id"], "ah")]
            if close.line == bet["line"] and bet["line"] % 1 == 0.5:  # same half line: exact
                fair = fair_probabilities(close.prices, "shin")[bet["outcome"] == "away"]
                assert bet["fair_clv"] == pytest.approx(bet["odds"] * fair - 1, abs=1e-6)
        checked[bet["market"]] += 1
    assert min(checked.values()) > 20


def test_quotes_of_one_instant_give_the_same_goals_rows_in_any_order(e0_goals):
    events = list(e0_goals)[:5000]
    config = FlowConfig(best_edge=0.0)
    _, expected = _run(events, config)
    for seed in range(2):
        _, records = _run(_shuffled_quotes(events, seed), config)
        tables = (*MARKET_TABLES, "bets")
        assert _stored(records, tables) == _stored(expected, tables)


def test_a_match_own_result_never_reaches_its_goals_predictions(e0_goals):
    events = list(e0_goals)[:6000]
    results = [e for e in events if e.type == "result"]
    target = results[200].match_id
    _, honest = _run(events)
    _, tampered = _run(_tampered(events, target))
    assert _rows(honest, "market_predictions", target)
    assert _rows(tampered, "market_predictions", target) == _rows(
        honest, "market_predictions", target
    )
    later = [
        r["p_first"] for r in _rows(tampered, "market_predictions") if r["model"] == "anchored"
    ]
    assert later != [
        r["p_first"] for r in _rows(honest, "market_predictions") if r["model"] == "anchored"
    ]
