"""``matchflow report``: the dashboards as a static HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stream.cli.common import DbOpt, current_settings, err, fail


def report(
    db: DbOpt = None,
    league: Annotated[
        str | None,
        typer.Option(
            "--leagues",
            "--league",
            help="One league code, or several comma-separated (default: every league in the store).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "report.html"
    ),
) -> None:
    """Write a self-contained HTML report: bankroll curves, rolling RPS against the
    market with drift alarms, calibration per model, the season table."""
    from dashboards.report import write_report
    from dashboards.report.data import leagues as stored_leagues
    from stream.storage import StoreError, open_store

    if not out.parent.is_dir():
        fail(f"--out: no directory {str(out.parent)!r}")
    url = current_settings(db=db).db
    try:
        with open_store(url, create=False) as store:
            known = stored_leagues(store)
            chosen = [c.strip() for c in league.split(",") if c.strip()] if league else known
            unknown = [c for c in chosen if c not in known]
            if unknown or not chosen:
                fail(
                    f"--leagues: {', '.join(unknown) or 'none'} not in the store "
                    f"(it has {', '.join(known) or 'no leagues'})"
                )
            with err.status(f"drawing {len(chosen)} league(s)..."):
                covered = write_report(store, out, chosen, source=url.split("@")[-1])
    except StoreError as exc:
        fail(str(exc))
    size = out.stat().st_size / 1e6
    err.print(f"wrote {out} ({size:.1f} MB): {', '.join(covered)}")
