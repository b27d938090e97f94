import shutil

import pytest

from stream.loader import BUNDLED_DATA, available, load, load_season


def test_bundled_data_has_every_league_and_season():
    found = available(BUNDLED_DATA)
    assert set(found) == {"D1", "E0", "E1", "I1", "SP1"}
    assert found["E0"][0] == "2005-06" and found["E0"][-1] == "2024-25"
    assert len(found["SP1"]) == 19


def test_old_and_new_formats_parse_with_the_right_odds():
    old = load_season(BUNDLED_DATA / "E0" / "2005-06.csv", "E0", "2005-06")
    assert len(old.rows) == 380 and old.skipped == 0
    first = old.rows[0]
    # no Time column: 15:00 UK time, which is 14:00 UTC in August (BST)
    assert first.kickoff.year == 2005 and first.kickoff.hour == 14
    assert [q.bookmaker for q in first.pre] == ["bet365", "market-avg", "market-max"]
    assert first.close == ()
    assert first.pre[2].home == max(first.pre[0].home, first.pre[1].home, first.pre[2].home)
    new = load_season(BUNDLED_DATA / "E0" / "2019-20.csv", "E0", "2019-20")
    opener = new.rows[0]
    assert (opener.home, opener.away) == ("Liverpool", "Norwich")
    assert (opener.kickoff.hour, opener.kickoff.minute) == (19, 0)  # 20:00 BST
    assert [q.bookmaker for q in opener.pre] == ["pinnacle", "market-avg", "market-max"]
    assert [q.bookmaker for q in opener.close] == ["pinnacle", "market-avg", "market-max"]
    assert (opener.pre[0].home, opener.close[2].away) == (1.15, 23.0)  # PSH, MaxCA
    assert opener.stats.home.shots == 15


def test_trailing_empty_rows_are_not_matches():
    report = load_season(BUNDLED_DATA / "I1" / "2012-13.csv", "I1", "2012-13")
    assert len(report.rows) == 380 and report.skipped == 0


def test_unknown_league_latin1_and_broken_rows(tmp_path):
    league = tmp_path / "ZZ"
    league.mkdir()
    text = (BUNDLED_DATA / "E0" / "2017-18.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    lines[1] = lines[1].replace("Arsenal", "Arsénal")
    lines[2] = "E0,not a date,Brighton,Man City,x,y"  # broken: skipped, counted
    (league / "2030-31.csv").write_bytes("\n".join(lines[:40]).encode("latin-1"))
    report = load(tmp_path, ["ZZ"], None)
    assert report.skipped == 1
    assert len(report.rows) == 38
    assert report.rows[0].home == "Arsénal"
    assert {r.season for r in report.rows} == {"2030-31"}


def test_missing_pinnacle_falls_back_to_bet365(tmp_path):
    league = tmp_path / "E0"
    league.mkdir()
    source = BUNDLED_DATA / "E0" / "2017-18.csv"
    shutil.copy(source, league / "2017-18.csv")
    text = (league / "2017-18.csv").read_text(encoding="utf-8-sig").splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    for col in ("PSH", "PSCH"):
        cells[header.index(col)] = ""
    (league / "2017-18.csv").write_text("\n".join([text[0], ",".join(cells)]))
    row = load(tmp_path, ["E0"], None).rows[0]
    assert [q.bookmaker for q in row.pre] == ["bet365", "market-avg", "market-max"]
    assert row.close == ()  # no PSC, B365C or AvgC in 2017-18


def test_kickoff_times_are_uk_local_time_stored_in_utc():
    """football-data's Time is UK wall-clock time: BST (UTC+1) in summer, GMT in winter."""
    spain = load_season(BUNDLED_DATA / "SP1" / "2023-24.csv", "SP1", "2023-24").rows
    sevilla = next(r for r in spain if (r.home, r.away) == ("Sevilla", "Barcelona"))
    assert sevilla.kickoff.isoformat() == "2024-05-26T19:00:00+00:00"  # 21:00 CEST
    england = load_season(BUNDLED_DATA / "E0" / "2019-20.csv", "E0", "2019-20").rows
    newcastle = next(r for r in england if (r.home, r.away) == ("Newcastle", "Leicester"))
    assert newcastle.kickoff.isoformat() == "2020-01-01T15:00:00+00:00"  # 15:00 GMT


@pytest.mark.parametrize(
    ("season", "books"),
    [
        (
            "2010-11",
            {
                ("ou25", "pre"): {"market-avg", "market-max"},
                ("ah", "pre"): {"market-avg", "market-max"},
            },
        ),
        (
            "2020-21",
            {
                ("ou25", "close"): {"pinnacle", "market-avg", "market-max"},
                ("ah", "close"): {"pinnacle", "market-avg", "market-max"},
            },
        ),
        (
            "2024-25",
            {
                ("ou25", "pre"): {"pinnacle", "market-avg", "market-max"},
                ("ah", "pre"): {"pinnacle", "market-avg", "market-max"},
            },
        ),
    ],
)
def test_goals_prices_are_read_in_both_spellings(season, books):
    """``_2_5``/``_2_5_1`` (the bundled files to 2023-24), ``>2.5``/``<2.5``
    (football-data's own, 2024-25) and the ``Bb`` columns of old seasons."""
    rows = load(BUNDLED_DATA, ["E0"], [season]).rows
    for (market, phase), names in books.items():
        quotes = [q for r in rows for q in r.goals if (q.market, q.phase) == (market, phase)]
        assert {q.bookmaker for q in quotes} >= names
        assert len(quotes) >= 0.95 * len(rows) * len(names)
        assert all(q.first > 1 and q.second > 1 for q in quotes)
        assert all((q.line is not None) == (market == "ah") for q in quotes)
