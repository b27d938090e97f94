"""The per-league processor: honesty (no leak), life cycle, determinism."""

import pickle
import random
from datetime import timedelta

import pytest

from models.factory import MODEL_NAMES, PRIMARY
from models.fair import fair_probabilities
from stream.bettor import _stakes
from stream.config import FlowConfig
from stream.events import MatchStats, SideStats
from stream.league import LeagueProcessor, SettingsConflict
from stream.storage.sqlite import SQLiteStore


def _run(events, config=None):
    processor = LeagueProcessor("E0", config or FlowConfig())
    return processor, [r for e in events for r in processor.process(e)]


def _rows(records, table, match_id=None):
    return [
        r.row
        for r in records
        if r.table == table and (match_id is None or r.row["match_id"] == match_id)
    ]


def _tampered(events, match_id):
    """The same stream with one match's result and statistics changed."""
    out = []
    for event in events:
        if event.type == "result" and event.match_id == match_id:
            goals = (event.away_goals + 3, event.home_goals)
            event = event.model_copy(
                update={
                    "home_goals": goals[0],
                    "away_goals": goals[1],
                    "stats": MatchStats(
                        home=SideStats(shots=40, shots_on_target=30, corners=20),
                        away=SideStats(shots=0, shots_on_target=0, corners=0),
                    ),
                }
            )
        out.append(event)
    return out


def test_a_match_own_result_and_stats_never_reach_its_predictions(e0_two_seasons):
    events = list(e0_two_seasons)[:2400]  # well into the first season: models have learned
    results = [e for e in events if e.type == "result"]
    targets = [results[100].match_id, results[300].match_id, results[-1].match_id]
    _, honest = _run(events)
    for match_id in targets:
        _, tampered = _run(_tampered(events, match_id))
        assert _rows(honest, "predictions", match_id), "the match was predicted"
        assert _rows(tampered, "predictions", match_id) == _rows(honest, "predictions", match_id)
        assert _rows(tampered, "bets", match_id)[:1] == _rows(honest, "bets", match_id)[:1]
        if match_id == targets[-1]:
            continue  # nothing comes after the last result
        # ...while the tampered result does change what comes after it
        later = [r["p_home"] for r in _rows(tampered, "predictions") if r["model"] == PRIMARY]
        assert later != [r["p_home"] for r in _rows(honest, "predictions") if r["model"] == PRIMARY]


def _later_quotes_tampered(events, match_id):
    """Every bookmaker's closing quote of one match changed (and its result)."""
    out = []
    for event in _tampered(events, match_id):
        if event.type == "odds" and event.match_id == match_id and event.phase == "close":
            event = event.model_copy(
                update={
                    "home": event.away * 1.5,
                    "away": event.home * 0.9,
                    "draw": event.draw + 1.0,
                }
            )
        out.append(event)
    return out


def _placed(bets):
    """What a bet was when it was placed (closing figures come later)."""
    return [{k: b[k] for k in ("strategy", "outcome", "odds", "stake", "bookmaker")} for b in bets]


def test_no_quote_of_any_bookmaker_reaches_an_earlier_prediction_or_bet(e0_two_seasons):
    events = list(e0_two_seasons)[:3000]
    results = [e for e in events if e.type == "result"]
    targets = [results[150].match_id, results[400].match_id]
    config = FlowConfig.model_construct(
        edge=-1.0, best_edge=-1.0
    )  # past the bounds on purpose: every strategy bets on every match
    _, honest = _run(events, config)
    for match_id in targets:
        _, tampered = _run(_later_quotes_tampered(events, match_id), config)
        pre = [r for r in _rows(honest, "predictions", match_id) if r["phase"] == "pre"]
        assert {r["model"] for r in pre} == set(MODEL_NAMES)
        assert [r for r in _rows(tampered, "predictions", match_id) if r["phase"] == "pre"] == pre
        assert _placed(_rows(tampered, "bets", match_id)) == _placed(
            _rows(honest, "bets", match_id)
        )
        assert {b["strategy"] for b in _rows(honest, "bets", match_id)} >= {"flat", "best-flat"}


def test_same_events_same_records(e0_two_seasons):
    events = list(e0_two_seasons)[:1500]
    assert _run(events)[1] == _run(events)[1]


def test_a_processor_restored_from_its_pickle_goes_on_as_if_never_stopped(e0_two_seasons):
    """The compact pickle (no Gaussian generators) loses nothing the models use."""
    events = list(e0_two_seasons)
    cut = len(events) // 2
    processor, _ = _run(events[:cut])
    state = processor.pickled()
    assert processor.pickled() is state  # asked twice, pickled once
    restored = pickle.loads(state)
    assert [r for e in events[cut:] for r in restored.process(e)] == [
        r for e in events[cut:] for r in processor.process(e)
    ]


def test_the_pickle_is_dropped_when_the_state_changes(e0_two_seasons):
    events = list(e0_two_seasons)[:50]
    processor, _ = _run(events[:-1])
    before = processor.pickled()
    processor.process(events[-1])
    assert pickle.loads(processor.pickled()).events == pickle.loads(before).events + 1


def test_learning_uses_the_locked_features(e0_two_seasons):
    events = list(e0_two_seasons)[:40]
    processor, _ = _run(events)
    assert processor.learned == sum(1 for e in events if e.type == "result")


def _first_match(events):
    fixture = next(e for e in events if e.type == "fixture")
    mine = [e for e in events if e.match_id == fixture.match_id]
    return fixture, mine


@pytest.mark.parametrize(
    "case, reason",
    [
        ("unknown", "unknown match"),
        ("duplicate_result", "already has a result"),
        ("odds_after_result", "already has a result"),
        ("duplicate_fixture", "duplicate fixture"),
        ("late_odds", "after kick-off"),
        ("early_result", "before kick-off"),
    ],
)
def test_life_cycle_violations_become_dead_letters(e0_two_seasons, case, reason):
    fixture, mine = _first_match(e0_two_seasons)
    result = mine[-1]
    odds = next(e for e in mine if e.type == "odds")
    processor, _ = _run(mine[:-1] if case in ("late_odds", "early_result") else mine)
    bad = {
        "unknown": odds.model_copy(update={"match_id": "E0-19990101-x-y"}),
        "duplicate_result": result,
        "odds_after_result": odds,
        "duplicate_fixture": fixture,
        "late_odds": odds.model_copy(update={"ts": fixture.kickoff + timedelta(minutes=5)}),
        "early_result": result.model_copy(update={"ts": fixture.kickoff - timedelta(hours=1)}),
    }[case]
    records = processor.process(bad)
    assert [r.table for r in records] == ["dead_letters"]
    assert reason in records[0].row["reason"]
    assert records[0].row["payload"] == bad.to_json()


def _side(row, outcome):
    return {"H": row["home"], "D": row["draw"], "A": row["away"]}[outcome]


def test_bets_are_placed_at_pre_odds_and_settled_on_the_result(e0_two_seasons):
    config = FlowConfig.model_construct(
        edge=-1.0, best_edge=-1.0
    )  # past the bounds on purpose: bet on everything
    events = list(e0_two_seasons)[:200]
    _, records = _run(events, config)
    bets = _rows(records, "bets")
    settled = [b for b in bets if b["status"] != "open"]
    assert {b["strategy"] for b in settled} >= {"flat", "best-flat", "best-kelly"}
    for bet in settled:
        quotes = {(r["phase"], r["bookmaker"]): r for r in _rows(records, "odds", bet["match_id"])}
        taken = _side(quotes[("pre", bet["bookmaker"])], bet["outcome"])
        assert bet["odds"] == taken  # a price that was listed when the bet was placed
        if bet["strategy"].startswith("best-"):  # ...and the best one listed
            assert taken == max(
                _side(q, bet["outcome"]) for (phase, _), q in quotes.items() if phase == "pre"
            )
        else:
            assert bet["bookmaker"] == "pinnacle"
        won = bet["status"] == "won"
        expected = bet["stake"] * (bet["odds"] - 1) if won else -bet["stake"]
        assert bet["profit"] == pytest.approx(expected)
        closing = quotes[("close", "pinnacle")]
        fairs = fair_probabilities([closing[k] for k in ("home", "draw", "away")], "shin")
        fair = fairs["HDA".index(bet["outcome"])]  # the default method's
        assert bet["fair_clv"] == pytest.approx(bet["odds"] * fair - 1)
        if ("close", bet["bookmaker"]) in quotes:
            assert bet["clv"] == pytest.approx(
                bet["odds"] / _side(quotes[("close", bet["bookmaker"])], bet["outcome"]) - 1
            )
    bank = [r for r in _rows(records, "bankroll") if r["strategy"] == "flat"]
    flat_profit = sum(b["profit"] for b in settled if b["strategy"] == "flat")
    assert bank[-1]["bankroll"] == pytest.approx(100 + flat_profit)


def test_scores_are_recorded_for_every_model_and_moment(e0_two_seasons):
    events = list(e0_two_seasons)[:120]
    _, records = _run(events)
    results = [e for e in events if e.type == "result"]
    metrics = _rows(records, "model_metrics")
    assert len(metrics) == len(results) * 3 * 2
    assert {(m["model"], m["phase"]) for m in metrics} == {
        (m, p) for m in MODEL_NAMES for p in ("pre", "close")
    }


def _shuffled_quotes(events, seed):
    """The same stream with the odds of each (match, instant) in a random order."""
    rng, out, group = random.Random(seed), [], []
    for event in [*events, None]:
        if group and (
            event is None
            or event.type != "odds"
            or (event.match_id, event.ts) != (group[0].match_id, group[0].ts)
        ):
            rng.shuffle(group)
            out += group
            group = []
        if event is not None and event.type == "odds":
            group.append(event)
        elif event is not None:
            out.append(event)
    return out


def _stored(records):
    store = SQLiteStore("sqlite:///:memory:")
    store.create_schema()
    store.write(records)
    return {
        table: store.fetch(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4")
        for table in ("odds", "predictions", "bets", "bankroll", "model_metrics")
    }


def test_quotes_of_one_instant_give_the_same_result_in_any_order(e0_two_seasons):
    events = list(e0_two_seasons)[:1600]
    config = FlowConfig(edge=0.02)  # enough bets that a withdrawal happens
    reference, expected = _run(events, config)
    withdrawn = 0
    for seed in range(3):
        shuffled = _shuffled_quotes(events, seed)
        assert shuffled != events and sorted(map(id, shuffled)) == sorted(map(id, events))
        processor, records = _run(shuffled, config)
        withdrawn += sum(r.delete for r in records)
        assert _stored(records) == _stored(expected)
        assert processor.bettor.bankroll == reference.bettor.bankroll
    assert withdrawn > 0, "some order placed a bet that a later quote of its instant withdrew"


def test_a_producer_that_sends_one_bookmaker_still_works(e0_two_seasons):
    events = list(e0_two_seasons)[:1200]
    one_book = [
        e.model_copy(update={"bookmaker": "unibet"}) if e.type == "odds" else e
        for e in events
        if e.type != "odds" or e.bookmaker == "pinnacle"
    ]
    config = FlowConfig.model_construct(
        edge=-0.5
    )  # past the bounds on purpose: a bet at the reference's price on every match
    _, full = _run(events, config)
    _, single = _run(one_book, config)
    # the only book is the reference: every model predicts what it predicts from Pinnacle
    assert _rows(single, "predictions") == _rows(full, "predictions")
    assert {r["bookmaker"] for r in _rows(single, "odds")} == {"unibet"}

    def at_reference(records):
        return [
            {**b, "bookmaker": None}
            for b in _rows(records, "bets")
            if b["strategy"] in ("flat", "kelly")
        ]

    assert at_reference(single) and at_reference(single) == at_reference(full)
    # its own price is the best one listed, and never beats its own fair probability
    assert not [b for b in _rows(single, "bets") if b["strategy"].startswith("best-")]


def test_betting_settings_apply_to_a_restored_state_and_model_settings_cannot_change(
    e0_two_seasons,
):
    """A warm start with MATCHFLOW_BEST_EDGE=0.05 bets from then on exactly as a
    cold run with 0.05 (a season boundary: each season starts a fresh bank)."""
    from stream.league import SettingsConflict

    first = [e for e in e0_two_seasons if e.season == "2016-17"]
    second = [e for e in e0_two_seasons if e.season == "2017-18"]
    warm, _ = _run(first, FlowConfig(best_edge=0.02))
    restored = pickle.loads(warm.pickled())
    restored.reconfigure(FlowConfig(best_edge=0.05))
    after_warm = [r for e in second for r in restored.process(e)]
    _, cold = _run(first + second, FlowConfig(best_edge=0.05))
    season = {e.match_id for e in second}
    cold_bets = [r for r in _rows(cold, "bets") if r["match_id"] in season]
    assert _rows(after_warm, "bets") == cold_bets and cold_bets
    with pytest.raises(SettingsConflict, match="MATCHFLOW_PRIOR_VARIANCE"):
        pickle.loads(warm.pickled()).reconfigure(FlowConfig(prior_variance=0.01))


def test_kelly_stakes_leave_out_the_stakes_of_open_bets(e0_two_seasons):
    config = FlowConfig.model_construct(edge=-1.0, best_edge=-1.0)  # past the bounds on purpose
    processor, checked = LeagueProcessor("E0", config), 0
    for event in list(e0_two_seasons)[:1500]:
        open_bets = processor.matches.open.values()
        before = processor.bettor.bankroll["kelly"] - _stakes("kelly", open_bets)
        for record in processor.process(event):
            row = record.row
            if (
                record.table == "bets"
                and not record.delete
                and (row["strategy"], row["status"]) == ("kelly", "open")
                and before < processor.bettor.bankroll["kelly"]
            ):
                assert row["stake"] <= config.kelly_cap * before + 1e-6
                checked += 1
    assert checked > 10  # bets sized while others were open
    assert config.kelly_cap * processor.bettor.bankroll["kelly"] > 0


def test_non_finite_probabilities_never_reach_a_stake(e0_two_seasons):
    processor = LeagueProcessor("E0", FlowConfig())
    events = list(e0_two_seasons)[:1500]
    for event in events[:1000]:
        processor.process(event)
    processor.predictor.models[PRIMARY].predict = lambda x: (float("nan"),) * 3
    later = [r for e in events[1000:] for r in processor.process(e)]
    assert processor.bettor.refused_bets > 0
    assert all(
        r.row["stake"] == r.row["stake"] for r in later if r.table == "bets" and not r.delete
    )
    assert all(b == b for b in processor.bettor.bankroll.values())


def test_a_state_learned_before_fair_methods_keeps_proportional_and_refuses_shin():
    processor = LeagueProcessor("E0", FlowConfig())
    del vars(processor.config)["fair_method"]  # as pickled before the setting existed
    restored = pickle.loads(pickle.dumps(processor))
    assert restored.config.fair_method == "multiplicative"
    with pytest.raises(
        SettingsConflict, match="MATCHFLOW_FAIR_METHOD: learned with multiplicative"
    ):
        restored.reconfigure(FlowConfig())
    restored.reconfigure(FlowConfig(fair_method="multiplicative"))


def _flat_layout(processor: LeagueProcessor) -> dict:
    """The attributes a processor had before its parts were split out."""
    state = {
        k: v
        for k, v in vars(processor).items()
        if k not in ("predictor", "bettor", "scorer", "matches", "_pickled")
    }
    for part in (processor.predictor, processor.bettor, processor.scorer, processor.matches):
        state.update({k: v for k, v in vars(part).items() if k != "fair_method"})
    return state


def test_a_state_pickled_before_the_split_goes_on_as_if_never_pickled(e0_two_seasons):
    events = list(e0_two_seasons)[:1400]
    config = FlowConfig(edge=0.02)
    processor, _ = _run(events[:900], config)
    old = LeagueProcessor.__new__(LeagueProcessor)
    old.__setstate__(pickle.loads(pickle.dumps(_flat_layout(processor))))
    assert old.learned == processor.learned > 0
    after_old = [r for e in events[900:] for r in old.process(e)]
    after = [r for e in events[900:] for r in processor.process(e)]
    assert _stored(after_old) == _stored(after)
    assert old.bettor.bankroll == processor.bettor.bankroll
