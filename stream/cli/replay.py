"""``replay``, ``summary`` and ``migrate``: the embedded default's commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stream.cli.common import (
    DbOpt,
    FreshOpt,
    JsonOpt,
    KeepOpt,
    LeaguesOpt,
    MlflowOpt,
    ProcessesOpt,
    ScoreFromOpt,
    SeasonsOpt,
    SnapshotsOpt,
    TopicOpt,
    WarmOpt,
    WideOpt,
    current_settings,
    err,
    events_progress,
    fail,
    fail_conflict,
    fresh_leagues,
    out,
    rate_updater,
    snapshot_options,
    writer_store,
)
from stream.config import Settings
from stream.interrupts import StopRequest
from stream.recompute import beside, builds_beside, remove_stale_parts, swap_in
from stream.selection import (
    SelectionError,
    check_season,
    choose_leagues,
    choose_seasons,
    seasons_in_range,
)

if TYPE_CHECKING:
    from stream.embedded import RunStats


def _score_from(text: str | None) -> str | None:
    return check_season(text, "--score-from") if text else None


def replay(
    leagues: LeaguesOpt = None,
    seasons: SeasonsOpt = None,
    score_from: ScoreFromOpt = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="<DIR>/<league>/<season>.csv (default: bundled data)."),
    ] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    to_kafka: Annotated[
        str | None,
        typer.Option(
            "--to-kafka", help="HOST:PORT: publish the replay to Kafka instead of running it here."
        ),
    ] = None,
    topic: TopicOpt = None,
    speed: Annotated[
        str,
        typer.Option(
            "--speed", help="With --to-kafka: 'max', or how many times faster than event time."
        ),
    ] = "max",
    to_jsonl: Annotated[
        Path | None,
        typer.Option(
            "--to-jsonl",
            help="Write the replay's events to this file, one JSON event per line "
            "(what `produce` reads), instead of running them.",
        ),
    ] = None,
    snapshots: SnapshotsOpt = False,
    mlflow: MlflowOpt = None,
    warm_start: WarmOpt = False,
    keep_versions: KeepOpt = 5,
    processes: ProcessesOpt = 1,
    fresh: FreshOpt = None,
) -> None:
    """Replay seasons as a stream: through the dataflow into the store, onto Kafka or into a file."""
    from stream.loader import available
    from stream.storage import StoreError

    settings = current_settings(db=db, topic=topic)
    fresh_codes = fresh_leagues(fresh)
    if to_jsonl is not None and to_kafka:
        fail("--to-jsonl: give it or --to-kafka, not both")
    if to_jsonl is not None and not to_jsonl.parent.is_dir():
        fail(f"--to-jsonl: {to_jsonl.parent} is not a directory")
    directory = data_dir or settings.data_dir
    if not directory.is_dir():
        fail(f"--data-dir: {directory} is not a directory")
    found = available(directory)
    if not found:
        fail(
            f"--data-dir: no <league>/<season>.csv files under {directory} "
            "(season files are named like E0/2016-17.csv)"
        )
    try:
        codes = choose_leagues(leagues, found)
        wanted = seasons_in_range(choose_seasons(seasons), found, codes)
        scored_from = _score_from(score_from)
    except SelectionError as exc:
        fail(str(exc))
    last = max(
        season for code in codes for season in found[code] if wanted is None or season in wanted
    )
    if scored_from and scored_from > last:
        fail(
            f"--score-from: {scored_from} is after the last season replayed ({last}): "
            "nothing would be scored"
        )
    if to_kafka:
        if processes > 1:
            fail("--processes: a replay to Kafka is published by one process")
        from stream.cli.kafka import publish_replay

        publish_replay(directory, codes, wanted, to_kafka, settings.topic, speed, as_json)
        return
    if to_jsonl is not None:
        _write_jsonl(directory, codes, wanted, to_jsonl, as_json)
        return
    options = snapshot_options(snapshots, mlflow, warm_start, keep_versions, fresh_codes)
    if options is not None and options.warm_start:
        _check_warm_start(options, codes, settings)  # before a row of the store is touched
    try:
        writer_store(settings).close()
    except StoreError as exc:
        fail(str(exc))
    workers = None
    if processes > 1 and len(codes) > 1:  # they load Bytewax and River while the data is read
        from stream.parallel import ReplayWorkers

        workers = ReplayWorkers(min(processes, len(codes)))
    try:
        _replay_into_store(
            settings,
            directory,
            codes,
            wanted,
            seasons,
            score_from,
            scored_from,
            as_json,
            options,
            workers,
            wide,
        )
    finally:
        if workers is not None:
            workers.close()


def _replay_into_store(
    settings: Settings,
    directory: Path,
    codes: list[str],
    wanted: list[str] | None,
    seasons: str | None,
    score_from: str | None,
    scored_from: str | None,
    as_json: bool,
    snapshot,
    workers,
    wide: bool = False,
) -> None:
    from stream.summary import summarize

    loaded, payloads = _prepare(directory, codes, wanted, quiet=as_json)
    if not loaded.rows:
        fail(
            f"--seasons: no matches of {', '.join(codes)} in "
            f"{seasons or score_from or 'the data'} under {directory}"
        )
    # A replay recomputes its leagues from scratch: built beside a SQLite
    # store and swapped in at the end, deleted first from a PostgreSQL one.
    if builds_beside(settings.db):
        remove_stale_parts(settings.db)
    else:
        with writer_store(settings) as store:
            store.delete_leagues(codes)
    with StopRequest() as stop:
        stats, reached = _run_with_progress(
            payloads,
            settings,
            quiet=as_json,
            workers=workers,
            snapshot=snapshot,
            stop=lambda: stop.requested,
            leagues=codes,
        )
    if stop.requested:
        _stopped_early(stop, stats.events, len(payloads), reached)
    with writer_store(settings) as store:
        summary = summarize(store, scored_from, codes)
    for (code, model), size in stats.model_bytes.items():
        summary["leagues"].get(code, {}).setdefault("model_bytes", {})[model] = size
    if stats.snapshots:
        summary["snapshots"] = {
            "count": len(stats.snapshots),
            "mean_bytes": round(sum(s["size"] for s in stats.snapshots) / len(stats.snapshots)),
            "mean_seconds": round(
                sum(s["seconds"] for s in stats.snapshots) / len(stats.snapshots), 3
            ),
        }
    summary = {
        "events": stats.events,
        "skipped_rows": loaded.skipped,
        "skipped": [f"{p.file}:{p.line}: {p.reason}" for p in loaded.problems[:100]],
        "seconds": round(stats.seconds, 3),
        "events_per_second": round(stats.events_per_second, 1),
        **summary,
    }
    if snapshot is not None and snapshot.enabled:
        selection = {
            "leagues": ",".join(codes),
            "seasons": seasons or "all",
            "score_from": scored_from or "all",
            "data_dir": str(directory),
        }
        summary["mlflow_run"] = _log_backtest(snapshot.tracking_uri, settings, selection, summary)
    _emit(summary, as_json, wide)


def _check_warm_start(options, codes: list[str], settings: Settings) -> None:
    """Exit 2 when a league's ``@live`` state learned under other model
    settings than this command's (unless it starts ``--fresh``)."""
    from models.sealing import TamperedBlob
    from models.snapshots import load_live
    from stream.league import SettingsConflict

    config = settings.flow_config()
    for code in codes:
        if code in options.fresh:
            continue
        try:
            warm = load_live(options.tracking_uri, code, settings.sealing_key())
        except TamperedBlob as exc:
            fail(f"--warm-start: {code}'s @live state: {exc}")
        if warm is None:
            continue
        try:
            warm.reconfigure(config)
        except SettingsConflict as conflict:
            fail_conflict(conflict)


def _write_jsonl(
    directory: Path, codes: list[str], wanted: list[str] | None, target: Path, as_json: bool
) -> None:
    """The replay's events as JSON lines, in event-time order; written beside
    and renamed, so an interrupted write never leaves half a file."""
    loaded, payloads = _prepare(directory, codes, wanted, quiet=as_json)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for payload in payloads:
                handle.write(payload + "\n")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    result = {"events": len(payloads), "file": str(target), "skipped_rows": loaded.skipped}
    print(
        json.dumps(result)
        if as_json
        else f"wrote {len(payloads):,} events to {target} ({loaded.skipped} CSV rows skipped)"
    )


def _log_backtest(
    uri: str, settings: Settings, selection: dict[str, str], summary: dict[str, Any]
) -> str:
    """The replay as one MLflow run (settings and summary), beside its snapshots."""
    from models.backtests import log_backtest, settings_params
    from models.factory import MODEL_NAMES

    params = settings_params(settings.flow_config(), list(MODEL_NAMES), selection)
    name = f"backtest {selection['leagues']} {selection['seasons']}"
    return log_backtest(uri, params, summary, name)


def _prepare(directory: Path, codes: list[str], seasons: list[str] | None, quiet: bool):
    """Read the chosen season files and turn their rows into the replay's
    payloads, with progress from the first second; a row that cannot be read
    is reported, never fatal."""
    from stream.loader import load
    from stream.replay import replay_events

    with Progress(
        TextColumn("[bold]{task.description:<6}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet,
    ) as progress:
        files = progress.add_task("load", total=None, unit="season files")
        loaded = load(
            directory,
            codes,
            seasons,
            on_file=lambda done, total: progress.update(files, completed=done, total=total),
        )
        rows = progress.add_task("events", total=len(loaded.rows), unit="matches")
        events = replay_events(loaded.rows, on_rows=lambda n: progress.advance(rows, n))
        payloads = [event.to_json() for event in events]
    if loaded.problems and not quiet:
        shown = "; ".join(f"{p.file}:{p.line} {p.reason}" for p in loaded.problems[:3])
        more = f" (and {len(loaded.problems) - 3} more)" if len(loaded.problems) > 3 else ""
        err.print(f"[yellow]skipped {loaded.skipped} CSV row(s)[/]: {shown}{more}", soft_wrap=True)
    return loaded, payloads


def _stopped_early(stop: StopRequest, done: int, total: int, reached: str | None) -> None:
    """One line for an interrupted replay: what was done, what the store holds."""
    held = f"every event up to {reached[:10]}" if reached else "nothing new"
    err.print(
        f"[yellow]interrupted[/]: replayed {done:,} of {total:,} events; "
        f"the store holds {held}, complete and usable; run the command again "
        "to replay it all",
        soft_wrap=True,
    )
    raise typer.Exit(stop.exit_code)


def _run_with_progress(
    payloads: list[str],
    settings: Settings,
    quiet: bool,
    workers=None,
    snapshot=None,
    stop=None,
    leagues: list[str] | None = None,
) -> tuple[RunStats, str | None]:
    """The replay with a progress bar; returns its stats and the event time up
    to which the store holds every event (it matters when stopped early)."""
    config, key = settings.flow_config(), settings.sealing_key()
    with events_progress() as progress:
        task = progress.add_task("replay", total=len(payloads), rate="-")
        advance = rate_updater(progress, task)
        # imported under the bar: Bytewax and River take seconds to load
        if workers is not None:
            from stream.parallel import ProcessFailed

            try:
                parallel = workers.run(
                    payloads,
                    settings.db,
                    config,
                    key,
                    settings.batch_size,
                    advance,
                    snapshot,
                    stop,
                )
            except ProcessFailed as exc:
                fail(f"replay: {exc}", code=1)
            reached = [t for t in parallel.reached if t]
            return parallel.stats, (min(reached) if len(reached) == len(parallel.reached) else None)
        from stream.embedded import run_payloads

        with beside(settings.db, 1) as (target,):
            stats = run_payloads(
                payloads, target, config, settings.batch_size, advance, snapshot, stop, key=key
            )
            swap_in(settings.db, leagues or [], [target])  # even when stopped early: what it wrote
        done = stats.events
        return stats, (json.loads(payloads[done - 1])["ts"] if done else None)


def _emit(summary: dict[str, Any], as_json: bool, wide: bool = False) -> None:
    if as_json:
        print(json.dumps(summary, indent=2, sort_keys=False))
        return
    from stream.display import print_summary

    print_summary(out, summary, wide or None)


def summary(
    db: DbOpt = None,
    score_from: ScoreFromOpt = None,
    leagues: LeaguesOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Print the summary of what a store holds."""
    from stream.storage import StoreError, open_store
    from stream.summary import summarize

    try:
        scored_from = _score_from(score_from)
    except SelectionError as exc:
        fail(str(exc))
    chosen = [c.strip() for c in leagues.split(",")] if leagues else None
    try:
        with open_store(current_settings(db=db).db, create=False) as store:
            if chosen:
                held = {r["league"] for r in store.fetch("SELECT DISTINCT league FROM matches")}
                if missing := sorted(set(chosen) - held):
                    fail(
                        f"--leagues: {', '.join(missing)} not in the store "
                        f"(it holds {', '.join(sorted(held)) or 'no league'})"
                    )
            result = summarize(store, scored_from, chosen)
    except StoreError as exc:
        fail(str(exc))
    _emit({"events": None, **result}, as_json, wide)


def migrate(db: DbOpt = None) -> None:
    """Create or upgrade the store's tables (the writers also do it on start;
    the API never does: it may run as a read-only role)."""
    from stream.storage import StoreError

    settings = current_settings(db=db)
    url = settings.db
    try:
        with writer_store(settings) as store:
            version = (
                store.fetch("SELECT max(version) AS v FROM schema_migrations")[0]["v"]
                if not url.startswith("sqlite:")
                else None
            )
    except StoreError as exc:
        fail(str(exc))
    out.print(
        f"[green]store ready[/]: {url.split('@')[-1]}"
        + (f" (schema version {version})" if version else "")
    )
