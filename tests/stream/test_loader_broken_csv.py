"""A season file with broken rows still replays: each bad row is skipped and
reported with its file, line and reason ([first-hour])."""

from __future__ import annotations

import json
import subprocess

from stream.loader import BUNDLED_DATA
from tests.support.processes import MATCHFLOW


def _broken_season(folder) -> None:
    lines = (BUNDLED_DATA / "E0" / "2016-17.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    fields = rows[1].split(",")
    rows[1] = rows[1].replace(f",{fields[2]},", f',"{fields[2]},', 1)  # unterminated quote
    rows[2] = ",".join(rows[2].split(",")[:10])  # short
    rows[3] = rows[3] + ",surplus,values"  # long
    rows[4] = rows[4].replace(rows[4].split(",")[1], "31/02/16", 1)  # bad date
    rows[5] = ",".join([*rows[5].split(",")[:4], "two", *rows[5].split(",")[5:]])  # bad number
    (folder / "E0").mkdir(parents=True)
    (folder / "E0" / "2016-17.csv").write_text("\n".join([header, *rows]) + "\n")


def test_a_file_with_broken_rows_replays_and_counts_each(tmp_path):
    _broken_season(tmp_path / "data")
    done = subprocess.run(
        [
            MATCHFLOW,
            "replay",
            "--data-dir",
            str(tmp_path / "data"),
            "--db",
            f"sqlite:///{tmp_path / 'store.db'}",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["skipped_rows"] == 5 and summary["matches"] == 375
    lines = [entry.split(": ", 1)[0] for entry in summary["skipped"]]
    assert lines == [f"E0/2016-17.csv:{n}" for n in (3, 4, 5, 6, 7)], summary["skipped"]
    reasons = " ".join(summary["skipped"])
    assert "unreadable" in reasons and "fields" in reasons and "Date" in reasons
