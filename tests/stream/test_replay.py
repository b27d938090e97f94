from stream.replay import replay_events


def test_each_match_follows_its_life_cycle_in_time_order(e0_two_seasons):
    events = list(e0_two_seasons)
    assert events == sorted(events, key=lambda e: e.ts)
    seen: dict[str, list[str]] = {}
    for event in events:
        kind = event.type if event.type != "odds" else f"{event.phase} {event.bookmaker}"
        seen.setdefault(event.match_id, []).append(kind)
    assert len(seen) == 760
    # Every moment carries the sharp reference, the market average and the best
    # price (2016-18 closing prices: Pinnacle's only).
    life = [
        "fixture",
        "pre pinnacle",
        "pre market-avg",
        "pre market-max",
        "close pinnacle",
        "result",
    ]
    assert all(kinds == life for kinds in seen.values())


def test_replay_is_deterministic(e0_two_seasons):
    from stream.loader import BUNDLED_DATA, load

    rows = load(BUNDLED_DATA, ["E0"], ["2016-17", "2017-18"]).rows
    again = [e for e in replay_events(reversed(rows)) if e.type != "odds" or e.market == "1x2"]
    assert [e.to_json() for e in again] == [e.to_json() for e in e0_two_seasons]
