"""Kredittvakt command line: database set-up, demo data, canonical imports, aging and KPIs, the nightly monitor,
the alert digest and the changes for the ERP."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from data_access.asof import aging as aging_report
from data_access.bootstrap import ensure_ready, init_empty
from data_access.borrowing import add_control_total, lender_profiles, save_lender_profile, set_contra
from data_access.close import certificate_of, close_period, current_close, log_report, pack_for, reopen_period
from data_access.engine import get_engine, mask_url, resolve_database_url
from data_access.imports import FORMATS, ImportFailed, log_failed_import, remove_demo_data
from data_access.imports import Progress as ImportProgress
from data_access.ingest import Preset, as_csv, import_export, is_workbook, mapping_from_json, save_preset
from data_access.ingest import preset as load_preset
from data_access.ingest import presets as list_presets
from data_access.kpis import portfolio_kpis
from data_access.ledger import base_currency, company_profile, save_company_profile, utcnow
from data_access.limits import erp_changes_csv
from data_access.migrate import upgrade
from data_access.monitor import alerts as open_alerts
from data_access.monitor import run_monitor
from data_access.statutory import add_statutory_value, statutory_table
from delivery.send import deliver
from delivery.settings import DigestConfigError, load_digest_settings
from domain.aging import Basis, BucketError, parse_edges
from domain.borrowing_base import LenderProfile
from domain.calendar import period_bounds, period_of
from domain.closing import CloseError
from domain.company import validated_profile
from domain.digest import DigestAlert, compose, webhook_payload
from domain.fx import MissingFxRate
from domain.ingest import IngestError
from domain.money import parse_amount
from domain.serialize import KPI_KEYS, aging_by_customer, aging_portfolio, kpis_dict
from domain.spreadsheet import neutralise
from domain.statutory import StatutoryValue

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="Create, migrate and reset the database.")
app.add_typer(db_app, name="db")
statutory_app = typer.Typer(
    no_args_is_help=True, help="Dated statutory figures: fee caps, deadlines, interest rates, fixed compensation."
)
app.add_typer(statutory_app, name="statutory")
company_app = typer.Typer(no_args_is_help=True, help="Your own company profile (name, org. number, base currency).")
app.add_typer(company_app, name="company")
report_app = typer.Typer(no_args_is_help=True, help="The lender and investor pack, and a customer's credit memo (PDF).")
app.add_typer(report_app, name="report")
lender_app = typer.Typer(no_args_is_help=True, help="Loan agreements' borrowing-base terms (lender profiles).")
app.add_typer(lender_app, name="lender")
brreg_app = typer.Typer(no_args_is_help=True, help="The Norwegian register (Enhetsregisteret, Brønnøysund).")
app.add_typer(brreg_app, name="brreg")
users_app = typer.Typer(no_args_is_help=True, help="User accounts: add, list, disable, enable, set-role, password.")
app.add_typer(users_app, name="users")


class State:
    url: str | None = None


def _engine(migrate: bool = True):
    url = resolve_database_url(State.url)
    engine = get_engine(url)
    if migrate:
        upgrade(engine)
    return engine


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} '{value}' is not an ISO date (YYYY-MM-DD)", 2)
        raise  # unreachable


@app.callback()
def main(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL; default: env KREDITTVAKT_DATABASE_URL, secrets.toml, else data/kredittvakt.db",
        ),
    ] = None,
) -> None:
    State.url = database_url


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    url = resolve_database_url(State.url)
    applied = upgrade(get_engine(url))
    typer.echo(f"{mask_url(url)}: {'migrated to the latest schema' if applied else 'already up to date'}")


@db_app.command("init")
def db_init(empty: Annotated[bool, typer.Option("--empty", help="Start without demo data.")] = False) -> None:
    """Create the schema; seed the demo portfolio unless --empty."""
    url = resolve_database_url(State.url)
    engine = get_engine(url)
    if empty:
        init_empty(engine)
        typer.echo(f"{mask_url(url)}: initialised without demo data")
        return
    result = ensure_ready(engine, seed_demo_if_new=True)
    what = "demo portfolio seeded" if result.seeded else "already initialised, nothing changed"
    typer.echo(f"{mask_url(url)}: {what}")


@db_app.command("remove-demo")
def db_remove_demo() -> None:
    """Delete the demo portfolio and end demo mode."""
    engine = _engine()
    with engine.begin() as conn:
        removed = remove_demo_data(conn)
    typer.echo("demo data removed; demo mode ended" if removed else "not in demo mode; nothing removed")


@company_app.command("show")
def company_show() -> None:
    """Print the company profile."""
    with _engine().connect() as conn:
        profile = company_profile(conn)
    for key, value in profile.to_dict().items():
        typer.echo(f"{key:<14} {value}")


@company_app.command("set")
def company_set(
    name: Annotated[str | None, typer.Option(help="Legal name.")] = None,
    org_number: Annotated[str | None, typer.Option(help="Organisation number (checked for NO/SE/DK/FI).")] = None,
    country: Annotated[str | None, typer.Option(help="Two-letter country code.")] = None,
    base_currency: Annotated[str | None, typer.Option(help="Reporting currency, e.g. NOK.")] = None,
) -> None:
    """Change fields of the company profile."""
    engine = _engine()
    with engine.begin() as conn:
        current = company_profile(conn).to_dict()
        changes = {"name": name, "org_number": org_number, "country": country, "base_currency": base_currency}
        merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
        try:
            profile = validated_profile(merged)
        except ValueError as exc:
            _fail(str(exc), 2)
        save_company_profile(conn, profile)
    typer.echo("company profile saved")


@app.command()
def demo(
    customers: Annotated[int, typer.Option(min=1, help="Number of customers.")] = 500,
    years: Annotated[int, typer.Option(min=1, max=10, help="Years of history.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 42,
    end_date: Annotated[str | None, typer.Option(help="Last invoice date, ISO; default a fixed date.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace existing demo data.")] = False,
) -> None:
    """Seed a deterministic demo portfolio into an empty ledger."""
    from data_access.demo import DEMO_END_DATE, DemoError, DemoSpec, seed_demo

    spec = DemoSpec(
        customers=customers,
        years=years,
        seed=seed,
        end_date=_date(end_date, "--end-date") if end_date else DEMO_END_DATE,
    )
    engine = _engine()
    try:
        with engine.begin() as conn:
            if replace:  # only demo data is ever replaced; real data makes seed_demo refuse below
                remove_demo_data(conn)
            summary = seed_demo(conn, spec)
    except DemoError as exc:
        _fail(str(exc), 2)
    typer.echo(
        f"demo portfolio: {summary.customers} customers, {summary.invoices} invoices, "
        f"{summary.credit_notes} credit notes, {summary.payments} payments, {summary.write_offs} write-offs "
        f"in {summary.seconds:.1f} s"
    )


@app.command("import")
def import_cmd(
    kind: Annotated[str, typer.Argument(help=f"{' | '.join(FORMATS)} | log | undo")],
    file: Annotated[
        str | None, typer.Argument(help="The file to import; for 'undo' the import's number in the log.")
    ] = None,
    preset_name: Annotated[str | None, typer.Option("--preset", help="A saved mapping (see --save-preset).")] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help='JSON {"canonical column": "column in the file", ...}.')
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
    save_as: Annotated[
        str | None, typer.Option("--save-preset", help="Save the mapping and dialect used under this name.")
    ] = None,
    create_customers: Annotated[
        bool, typer.Option("--create-customers", help="Create customers the file names but the ledger lacks.")
    ] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Excel files: the sheet (default the first).")] = None,
    snapshot_date: Annotated[
        str | None, typer.Option("--snapshot-date", help="open-items: the date of the list (else its column).")
    ] = None,
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="open-items: accept an empty list (it closes every open item).")
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="control-totals: the date of the balances (else its column).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="control-totals: where the figures come from (default the file name)."),
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who imports (default: your login name).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="log: how many entries, newest first.")] = 20,
) -> None:
    """Import one file (all rows or none): a canonical CSV, or an ERP export whose encoding, separator, decimal
    mark, date format and column names (en, nb, sv, da) are detected, or mapped by a preset or a mapping file.

    `import log` lists the import log (newest first); `import undo N` undoes import N while nothing later depends
    on it."""
    if kind == "log":
        _import_log(limit)
        return
    if kind == "undo":
        _import_undo(file, _who(by))
        return
    if kind not in FORMATS:
        _fail(f"unknown kind '{kind}'; choose one of {', '.join([*FORMATS, 'log', 'undo'])}", 2)
    if file is None:
        _fail("name the file to import: python cli.py import KIND FILE", 2)
    path = Path(file)
    if not path.is_file():
        _fail(f"file '{file}' does not exist or is not a file", 2)
    if preset_name and mapping_file:
        _fail("give --preset or --mapping, not both", 2)
    if snapshot_date and as_of and snapshot_date != as_of:
        _fail("--snapshot-date and --as-of name the same date; give one", 2)
    day = next((_date(v, o) for v, o in ((snapshot_date, "--snapshot-date"), (as_of, "--as-of")) if v), None)
    engine = _engine()
    file = path
    started = utcnow()
    who = _who(by)
    mapping = dialect = None
    try:
        with file.open("rb") as fh:
            workbook = is_workbook(fh.read(4), file.name)
        # a CSV file is read as it is imported, never whole; an Excel sheet is converted to CSV in memory first
        stream = io.BytesIO(as_csv(file.read_bytes(), file.name, sheet)) if workbook else file.open("rb")
    except (IngestError, OSError) as exc:
        _fail(str(exc), 2)
    with stream:
        try:
            if mapping_file is not None:
                mapping = mapping_from_json(mapping_file.read_text(encoding="utf-8"), kind)
            if preset_name:
                with engine.connect() as conn:
                    chosen = load_preset(conn, preset_name)
                if chosen.mapping.kind != kind:
                    _fail(f"preset '{preset_name}' is for {chosen.mapping.kind}, not {kind}", 2)
                mapping, dialect = chosen.mapping, chosen.dialect
        except (IngestError, OSError) as exc:
            _fail(str(exc), 2)
        shown = _ImportProgress(kind)
        try:
            with engine.begin() as conn:
                result, prepared = import_export(
                    conn,
                    kind,
                    stream,
                    file.name,
                    mapping=mapping,
                    dialect=dialect,
                    create_customers=create_customers,
                    progress=shown,
                    author=who,
                    as_of=day,
                    source=source,
                    allow_empty=allow_empty,
                )
                if save_as:
                    save_preset(conn, Preset(save_as, prepared.mapping, None if preset_name is None else dialect))
                if dry_run:
                    conn.rollback()
        except ImportFailed as exc:
            shown.close()
            if not dry_run:
                with engine.begin() as conn:
                    log_failed_import(conn, kind, stream, file.name, exc, started, author=who)
            _import_refused(exc)
        except IngestError as exc:
            shown.close()
            _fail(str(exc), 2)
        shown.close()
    if not prepared.canonical:
        typer.echo(prepared.describe())
    if dry_run:
        typer.echo(f"dry run, nothing written: {result.summary()}")
        for note in result.notes:
            typer.echo(note)
        return
    typer.echo(result.summary())
    for note in result.notes:
        typer.echo(note)
    if getattr(result, "import_id", None) is not None:
        typer.echo(f"logged as import #{result.import_id} (undo: python cli.py import undo {result.import_id})")
    if save_as:
        typer.echo(f"mapping saved as preset '{save_as}'")


class _ImportProgress:
    """An import's progress on stderr: a bar on a terminal, else a line per tenth of the file. A file read in one
    chunk shows nothing."""

    def __init__(self, kind: str):
        self.kind = kind
        self.started = False
        self.bar = None
        self.task = None
        self.tenth = 0

    def __call__(self, p: ImportProgress) -> None:
        if not self.started:
            if p.fraction >= 1.0:
                return  # the file was read in one step: nothing to watch
            self.started = True
        if sys.stderr.isatty():
            self._draw(p)
        elif p.stage == "allocations":
            typer.echo(f"{self.kind}: {p.rows:,} rows read; rebuilding the allocations", err=True)
        elif int(p.fraction * 10) > self.tenth:
            self.tenth = int(p.fraction * 10)
            typer.echo(f"{self.kind}: {p.rows:,} rows read ({p.fraction:.0%})", err=True)

    def _draw(self, p: ImportProgress) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.kind, total=1.0)
        label = "rebuilding the allocations" if p.stage == "allocations" else f"{p.rows:,} rows"
        self.bar.update(self.task, completed=p.fraction, description=f"{self.kind}: {label}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _import_refused(exc: ImportFailed) -> None:
    """A rejected file: the reason and its first 20 row errors on stderr, exit code 1 (nothing was written)."""
    typer.echo(f"error: {exc}", err=True)
    for e in exc.errors[:20]:
        typer.echo(f"  {e}", err=True)
    if len(exc.errors) > 20:
        typer.echo(f"  … {len(exc.errors) - 20} more", err=True)
    raise typer.Exit(1)


def _import_log(limit: int) -> None:
    """The import log, newest first: number, when, who, kind, file, status and counts."""
    from data_access.status import import_log

    with _engine().connect() as conn:
        entries = import_log(conn, limit)
    if not entries:
        typer.echo("The import log is empty.")
    for e in entries:
        when = f"{e.finished_at:%Y-%m-%d %H:%M}" if e.finished_at else "-"
        counts = f"{e.rows} rows, {e.inserted} inserted, {e.updated} updated, {e.rejected} rejected"
        extra = f"; part of #{e.part_of}" if e.part_of else ("; can be undone" if e.can_undo else "")
        typer.echo(f"#{e.id}  {when}  {e.author or '-'}  {e.kind}  {e.file_name or '-'}  {e.status}  {counts}{extra}")


def _import_undo(number: str | None, who: str) -> None:
    """Undo an import from the log (and the customers created for it), all or nothing."""
    from data_access.import_journal import UndoRefused, undo_import

    if number is None or not number.strip().lstrip("#").isdigit():
        _fail(f"give the import's number from 'python cli.py import log', e.g. import undo 12 (got '{number}')", 2)
    import_id = int(number.strip().lstrip("#"))
    try:
        with _engine().begin() as conn:
            result = undo_import(conn, import_id, who)
    except UndoRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        for reason in exc.reasons[1:]:
            typer.echo(f"  {reason}", err=True)
        raise typer.Exit(1) from None
    typer.echo(result.summary())


@app.command("import-presets")
def import_presets_cmd() -> None:
    """The saved import mappings (name, kind, columns)."""
    with _engine().connect() as conn:
        found = list_presets(conn)
    if not found:
        typer.echo("No presets; save one with: python cli.py import KIND FILE --save-preset NAME")
    for p in found.values():
        typer.echo(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True))


def _parse_buckets(text: str | None):
    if text is None:
        return None
    try:
        return parse_edges(text)
    except BucketError as exc:
        _fail(f"--buckets: {exc}", 2)


@app.command()
def aging(
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date.")],
    basis: Annotated[Basis, typer.Option(help="Count days from the due date or the invoice date.")] = Basis.DUE,
    buckets: Annotated[str | None, typer.Option(help="Edges, e.g. 30,60,90,120; default: the policy's.")] = None,
    by: Annotated[str, typer.Option(help="portfolio | customer")] = "portfolio",
    fmt: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
) -> None:
    """Aged receivables as of a date, in the base currency."""
    d = _date(as_of, "--as-of")
    if by not in ("portfolio", "customer"):
        _fail(f"--by must be portfolio or customer, not '{by}'", 2)
    if fmt not in ("table", "json", "csv"):
        _fail(f"--format must be table, json or csv, not '{fmt}'", 2)
    spec = _parse_buckets(buckets)
    engine = _engine()
    try:
        with engine.connect() as conn:
            report = aging_report(conn, d, basis, spec)
    except MissingFxRate as exc:
        _fail(str(exc))
    data = aging_portfolio(report) if by == "portfolio" else aging_by_customer(report)
    if fmt == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    labels = list(report.buckets.labels)
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        # references and names come from imports: no cell may start a formula in a spreadsheet (amounts stay numbers)
        if by == "portfolio":
            w.writerow(["label", "amount", "count"])
            for b in data["buckets"]:
                w.writerow([neutralise(b["label"]), f"{b['amount']:.2f}", b["count"]])
        else:
            w.writerow(["customer_ref", "name", "total", *map(neutralise, labels)])
            for r in data["rows"]:
                w.writerow(
                    [
                        neutralise(r["customer_ref"]),
                        neutralise(r["name"]),
                        f"{r['total']:.2f}",
                        *[f"{r['buckets'][lb]:.2f}" for lb in labels],
                    ]
                )
        sys.stdout.write(out.getvalue())
        return
    typer.echo(f"Aging by {report.basis} date as of {report.as_of} ({report.currency})")
    if by == "portfolio":
        for b in data["buckets"]:
            typer.echo(f"  {b['label']:>10} {b['amount']:>18,.2f} {b['count']:>8}")
        typer.echo(f"  {'total':>10} {data['total']:>18,.2f}")
        typer.echo(
            f"  unapplied credits included: {data['unapplied']['amount']:,.2f} ({data['unapplied']['count']} items)"
        )
    else:
        typer.echo(f"  {'customer':<12} {'name':<30} {'total':>14} " + " ".join(f"{lb:>12}" for lb in labels))
        for r in data["rows"]:
            typer.echo(
                f"  {r['customer_ref']:<12} {r['name'][:30]:<30} {r['total']:>14,.2f} "
                + " ".join(f"{r['buckets'][lb]:>12,.2f}" for lb in labels)
            )


@app.command()
def kpis(
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date.")],
    window_days: Annotated[int | None, typer.Option(min=1, help="KPI window; default: the policy's (90).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json | table")] = "table",
) -> None:
    """Receivables KPIs as of a date (DSO, BPDSO, ADD, CEI, payment behaviour, concentration)."""
    d = _date(as_of, "--as-of")
    if fmt not in ("table", "json"):
        _fail(f"--format must be json or table, not '{fmt}'", 2)
    engine = _engine()
    try:
        with engine.connect() as conn:
            k = portfolio_kpis(conn, d, window_days)
            data = kpis_dict(k, base_currency(conn))
    except MissingFxRate as exc:
        _fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in KPI_KEYS:
        v = data[key]
        typer.echo(f"  {key:<24} {'n/a' if v is None else v}")


@app.command()
def monitor(
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date to evaluate (the nightly run passes today).")],
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Evaluate every alert rule as of a date (idempotent) and print the open alerts."""
    d = _date(as_of, "--as-of")
    if fmt not in ("table", "json"):
        _fail(f"--format must be table or json, not '{fmt}'", 2)
    engine = _engine()
    try:
        with engine.begin() as conn:
            result = run_monitor(conn, d)
        with engine.connect() as conn:
            rows = open_alerts(conn)
    except MissingFxRate as exc:
        _fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps([a.as_json() for a in rows], ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"Monitor as of {d}: {result.customers} customers, {result.raised} alerts raised, {result.cleared} cleared, "
        f"{result.held} put on credit hold; {len(rows)} open"
    )
    for a in rows:
        typer.echo(f"  {a.severity:<6} {a.since} {a.customer_ref:<10} {a.type:<26} {a.message} -> {a.recommendation}")


@app.command()
def digest(
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date: alerts raised that day count as new.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the messages instead of sending them.")] = False,
) -> None:
    """Send the new and open alerts per assignee by e-mail and to the chat webhook (secrets.toml [smtp], [digest])."""
    d = _date(as_of, "--as-of")
    try:
        settings = load_digest_settings()
    except DigestConfigError as exc:
        _fail(str(exc), 2)
    engine = _engine()
    with engine.connect() as conn:
        rows = open_alerts(conn)
        company = company_profile(conn).name or ""
    items = [
        DigestAlert(
            a.id,
            a.customer_ref,
            a.customer_name,
            a.type,
            a.severity,
            a.since,
            a.raised_on,
            a.message,
            a.recommendation,
            a.status,
            a.assignee,
        )
        for a in rows
        if a.raised_on <= d
    ]
    messages = compose(items, d, company)
    if not messages:
        typer.echo(f"No open alerts as of {d}: nothing to send.")
        return
    if dry_run:
        for m in messages:
            typer.echo(f"--- to {m.assignee or 'unassigned'}: {m.subject}\n{m.text}")
        return
    webhook = webhook_payload(messages, d, company) if settings.webhook_url else None
    report = deliver(messages, settings, webhook)
    typer.echo(
        f"Digest as of {d}: {report.emails_sent} e-mail(s) sent"
        + (", webhook posted" if report.webhook_posted else "")
        + (f"; skipped: {', '.join(report.skipped)}" if report.skipped else "")
    )
    if report.errors:
        for e in report.errors:
            typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1)


@app.command("erp-changes")
def erp_changes_cmd(
    since: Annotated[str, typer.Option("--since", help="ISO date: changes made on or after it.")],
    output: Annotated[Path | None, typer.Option("--output", help="Write the CSV here instead of stdout.")] = None,
) -> None:
    """Limits, terms, holds and group limits changed since a date, as CSV for the ERP (where orders are stopped)."""
    d = _date(since, "--since")
    engine = _engine()
    with engine.connect() as conn:
        text, n = erp_changes_csv(conn, d)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{n} customer(s) written to {output}")


@statutory_app.command("list")
def statutory_list(
    country: Annotated[str | None, typer.Option(help="NO, SE, DK, FI or EU; default all.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="ISO date: only the figures in force that day.")] = None,
) -> None:
    """The statutory figures with their validity, source and confidence (V verified, D derived, U unverified)."""
    day = None if on is None else _date(on, "--on")
    with _engine().connect() as conn:
        rows = statutory_table(conn).rows
    for r in sorted(rows, key=lambda r: (r.jurisdiction, r.parameter, r.valid_from)):
        if (country and r.jurisdiction != country.upper()) or (day and not r.covers(day)):
            continue
        until = r.valid_to.isoformat() if r.valid_to else "open"
        typer.echo(
            f"{r.jurisdiction} {r.parameter:<28} {r.valid_from} … {until:<10} {r.value} {r.unit} [{r.confidence}] "
            f"{r.source}"
        )


@statutory_app.command("add")
def statutory_add(
    country: Annotated[str, typer.Option(help="NO, SE, DK, FI or EU.")],
    parameter: Annotated[str, typer.Option(help="e.g. late_interest_rate, fixed_compensation, inkassosats.")],
    valid_from: Annotated[str, typer.Option("--from", help="ISO date the figure applies from.")],
    value: Annotated[str, typer.Option(help="The figure, e.g. 12.25.")],
    unit: Annotated[str, typer.Option(help="NOK, SEK, DKK, EUR, percent, days, count or fraction.")],
    source: Annotated[str, typer.Option(help="Where it comes from (regulation, URL).")],
    confidence: Annotated[str, typer.Option(help="V verified, D derived, U unverified.")] = "V",
    valid_to: Annotated[str | None, typer.Option("--to", help="ISO date it ends (default: open-ended).")] = None,
) -> None:
    """Add a figure (e.g. next half-year's interest rate); the open-ended row it follows ends the day before."""
    try:
        figure = StatutoryValue(
            country.upper(),
            parameter,
            _date(valid_from, "--from"),
            None if valid_to is None else _date(valid_to, "--to"),
            Decimal(value),
            unit,
            source,
            confidence,
        )
    except (ValueError, ArithmeticError) as exc:
        _fail(str(exc), 2)
    try:
        with _engine().begin() as conn:
            add_statutory_value(conn, figure)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(f"{figure.jurisdiction} {figure.parameter} = {figure.value} {figure.unit} from {figure.valid_from}")


# --- month-end close, lender pack, credit memo ------------------------------------------------------


def _now() -> datetime:
    return utcnow().replace(microsecond=0)


def _who(by: str | None) -> str:
    return (by or getpass.getuser() or "").strip()


@app.command()
def close(
    period: Annotated[str, typer.Option("--period", help="The month to close, YYYY-MM (it must be over).")],
    by: Annotated[str | None, typer.Option("--by", help="Who signs the close off (default: your login name).")] = None,
    prepared_by: Annotated[str | None, typer.Option("--prepared-by", help="Who prepared the pack.")] = None,
) -> None:
    """Close a month: freeze its lender-pack figures with the sign-off; later imports never change them."""
    try:
        with _engine().begin() as conn:
            close_id = close_period(conn, period, closed_by=_who(by), now=_now(), prepared_by=prepared_by)
            row = current_close(conn, period)
    except (CloseError, ValueError, MissingFxRate) as exc:
        _fail(str(exc), 2)
    typer.echo(
        f"Closed {period} (close {close_id}) by {row.closed_by} at {row.closed_at}; snapshot {row.snapshot_sha256}"
    )


@app.command()
def reopen(
    period: Annotated[str, typer.Option("--period", help="The closed month, YYYY-MM.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is reopened (recorded with the close).")],
    role: Annotated[str, typer.Option("--role", help="Your role; reopening needs cfo.")],
    by: Annotated[str | None, typer.Option("--by", help="Who reopens it (default: your login name).")] = None,
) -> None:
    """Reopen a closed month (recorded: who, when, why); close it again to freeze new figures."""
    try:
        with _engine().begin() as conn:
            reopen_period(conn, period, user=_who(by), role=role, reason=reason, now=_now())
    except (CloseError, ValueError) as exc:
        _fail(str(exc), 2)
    typer.echo(f"Reopened {period}")


def _month_end_period(as_of: date) -> str:
    _, last = period_bounds(period_of(as_of))
    if as_of != last:
        _fail(f"the lender pack is a month-end report: --as-of {as_of} is not a month's last day (e.g. {last})", 2)
    return period_of(as_of)


@report_app.command("lender")
def report_lender(
    as_of: Annotated[str, typer.Option("--as-of", help="The month-end, ISO date (e.g. 2026-10-31).")],
    out: Annotated[Path, typer.Option("--out", help="Write the PDF here.")],
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the Excel workbook here.")] = None,
    lender: Annotated[str | None, typer.Option("--lender", help="Lender profile name (default: the first).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="en | nb")] = "en",
    recipient: Annotated[str | None, typer.Option("--recipient", help="Who receives it (logged).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who produces it (default: your login name).")] = None,
) -> None:
    """The lender and investor pack for a month-end (frozen when the month is closed, else a draft), logged."""
    from reports.lender_pack import render_lender_pack
    from reports.lender_xlsx import lender_workbook

    period = _month_end_period(_date(as_of, "--as-of"))
    if lang not in ("en", "nb"):
        _fail(f"--lang must be en or nb, not '{lang}'", 2)
    who = _who(by)
    try:
        with _engine().begin() as conn:
            pack = pack_for(conn, period, prepared_by=who, now=_now())
            certificate_of(pack, lender)
            pdf = render_lender_pack(pack, lender=lender, lang=lang)
            out.write_bytes(pdf)
            log_report(
                conn,
                report="lender_pack",
                data=pdf,
                as_of=pack.period_end,
                recipient=recipient or f"file {out.name}",
                author=who,
                now=_now(),
                lang=lang,
                period=period,
                lender=lender,
            )
            if xlsx is not None:
                book = lender_workbook(pack, lender=lender)
                xlsx.write_bytes(book)
                log_report(
                    conn,
                    report="lender_workbook",
                    data=book,
                    as_of=pack.period_end,
                    recipient=recipient or f"file {xlsx.name}",
                    author=who,
                    now=_now(),
                    lang=lang,
                    period=period,
                    lender=lender,
                )
    except (CloseError, ValueError, MissingFxRate) as exc:
        _fail(str(exc), 2)
    state = "closed" if pack.closed else "draft (period not closed)"
    typer.echo(f"Lender pack {period} ({state}) written to {out}" + (f" and {xlsx}" if xlsx else ""))


@report_app.command("customer")
def report_customer(
    customer_ref: Annotated[str, typer.Argument(help="The customer's reference.")],
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date.")],
    out: Annotated[Path, typer.Option("--out", help="Write the PDF here.")],
    lang: Annotated[str, typer.Option("--lang", help="en | nb")] = "en",
    recipient: Annotated[str | None, typer.Option("--recipient", help="Who receives it (logged).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who produces it (default: your login name).")] = None,
) -> None:
    """One customer's credit memo for the credit committee (PDF), logged."""
    from data_access.memo import credit_memo, customer_id_by_ref
    from reports.credit_memo import render_credit_memo

    d = _date(as_of, "--as-of")
    if lang not in ("en", "nb"):
        _fail(f"--lang must be en or nb, not '{lang}'", 2)
    who = _who(by)
    try:
        with _engine().begin() as conn:
            cid = customer_id_by_ref(conn, customer_ref)
            if cid is None:
                _fail(f"there is no customer with reference '{customer_ref}'", 2)
            memo = credit_memo(conn, cid, d, generated_at=_now())
            pdf = render_credit_memo(memo, lang=lang)
            out.write_bytes(pdf)
            log_report(
                conn,
                report="credit_memo",
                data=pdf,
                as_of=d,
                recipient=recipient or f"file {out.name}",
                author=who,
                now=_now(),
                lang=lang,
                customer_ref=customer_ref,
            )
    except (CloseError, ValueError, MissingFxRate) as exc:
        _fail(str(exc), 2)
    typer.echo(f"Credit memo for {customer_ref} as of {d} written to {out}")


@lender_app.command("list")
def lender_list() -> None:
    """The lender profiles in force with their terms."""
    with _engine().connect() as conn:
        profiles = lender_profiles(conn)
    if not profiles:
        typer.echo("No lender profiles; add one with: python cli.py lender set FILE.json")
    for p in profiles:
        typer.echo(json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True))


@lender_app.command("set")
def lender_set(
    file: Annotated[Path, typer.Argument(help="JSON file with the profile (see docs/data-formats.md).")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why it changes.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who changes it (default: your login name).")] = None,
) -> None:
    """Add or change a lender profile (a new version of the profile with that name)."""
    try:
        profile = LenderProfile.from_dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValueError) as exc:
        _fail(f"{file}: {exc}", 2)
    with _engine().begin() as conn:
        version = save_lender_profile(conn, profile, _who(by), comment)
    typer.echo(f"Lender profile '{profile.name}' saved as version {version}")


@app.command("contra")
def contra_cmd(
    customer_ref: Annotated[str, typer.Argument(help="The customer we also owe money.")],
    amount: Annotated[str, typer.Argument(help="What we owe them, base currency (0 ends it).")],
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date of the payable balance.")],
    by: Annotated[str | None, typer.Option("--by", help="Who enters it (default: your login name).")] = None,
) -> None:
    """Record what we owe a customer (contra, ineligible in a borrowing base up to its receivable)."""
    try:
        value = parse_amount(amount)
        with _engine().begin() as conn:
            set_contra(conn, customer_ref, value, _date(as_of, "--as-of"), _who(by))
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(f"Contra for {customer_ref}: {value} as of {as_of}")


@app.command("control-total")
def control_total_cmd(
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date of the ERP's figure.")],
    amount: Annotated[str | None, typer.Option("--amount", help="The ERP's receivables total, base currency.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="e.g. 'Tripletex aged receivables' or 'GL 1500'.")
    ] = None,
    by_customer: Annotated[
        bool,
        typer.Option(
            "--by-customer",
            help="Show the customers whose open AR differs from the ERP's balance on the date (a control total "
            "imported by customer: python cli.py import control-totals FILE, or an open-items snapshot).",
        ),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="--by-customer: table | csv")] = "table",
    by: Annotated[str | None, typer.Option("--by", help="Who enters it (default: your login name).")] = None,
) -> None:
    """Record the ERP's own receivables total for a date (--amount, --source; Data status and the lender pack
    print our difference to it), or show that difference customer by customer (--by-customer)."""
    day = _date(as_of, "--as-of")
    if amount is None and not by_customer:
        _fail("give --amount and --source to record the ERP's total, or --by-customer to show the differences", 2)
    if fmt not in ("table", "csv"):
        _fail(f"--format must be table or csv, not '{fmt}'", 2)
    if amount is not None:
        if not source:
            _fail("say where the control total comes from: --source, e.g. 'GL 1500'", 2)
        try:
            value = parse_amount(amount)
            with _engine().begin() as conn:
                add_control_total(conn, day, value, source, _who(by))
        except ValueError as exc:
            _fail(str(exc), 2)
        typer.echo(f"Control total {value} for {as_of} ({source}) recorded")
    if by_customer:
        _control_differences(day, fmt)


def _control_differences(day: date, fmt: str) -> None:
    """The customers whose open AR differs from the ERP's balance (largest difference first); exit 1 when the
    date has no control total by customer."""
    from data_access.control_totals import control_differences

    try:
        with _engine().connect() as conn:
            rec = control_differences(conn, day)
    except MissingFxRate as exc:
        _fail(str(exc))
    if rec is None:
        _fail(
            f"no control total by customer for {day}: import the ERP's customer balances "
            "(python cli.py import control-totals FILE) or an open-items snapshot of that day"
        )

    def money(v: Decimal | None) -> str:
        return "" if v is None else f"{v:.2f}"

    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["customer_ref", "name", "erp_balance", "our_open_ar", "difference", "side"])
        for c in rec.customers:
            w.writerow([c.customer_ref, c.name or "", money(c.erp), money(c.ours), money(c.difference), c.side])
        sys.stdout.write(out.getvalue())
        return
    typer.echo(
        f"Control total {rec.as_of} ({rec.source}): ERP {rec.erp_total:,.2f}, our open AR {rec.our_total:,.2f}, "
        f"difference {rec.difference:,.2f}"
    )
    if not rec.customers:
        typer.echo("Every customer ties.")
        return
    typer.echo(f"{len(rec.customers)} customer(s) differ (ours - ERP), largest first:")
    typer.echo(f"  {'customer':<14} {'name':<28} {'ERP':>14} {'ours':>14} {'difference':>14}  side")
    for c in rec.customers:
        typer.echo(
            f"  {c.customer_ref[:14]:<14} {(c.name or '')[:28]:<28} {money(c.erp):>14} {money(c.ours):>14} "
            f"{money(c.difference):>14}  {c.side}"
        )
    typer.echo(f"  {'sum of the differences':<43} {'':>14} {'':>14} {rec.explained:>14.2f}")


@brreg_app.command("sync")
def brreg_sync(
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer (reference).")] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="The register API (default $KREDITTVAKT_BRREG_URL or data.brreg.no)."),
    ] = None,
    today: Annotated[str | None, typer.Option("--today", help="ISO date of the run (default today).")] = None,
) -> None:
    """Enrich Norwegian customers from the register and record its events (bankruptcy, liquidation, forced
    dissolution, deletion, restructuring, new CEO or chair); reads the change feed from the saved cursor."""
    from connectors.brreg import DEFAULT_BASE_URL, BrregClient
    from data_access.brreg import sync_all, sync_customer
    from data_access.memo import customer_id_by_ref

    day = utcnow().date() if today is None else _date(today, "--today")
    client = BrregClient(base_url or os.environ.get("KREDITTVAKT_BRREG_URL") or DEFAULT_BASE_URL)
    with _engine().begin() as conn:
        if customer:
            cid = customer_id_by_ref(conn, customer)
            if cid is None:
                _fail(f"there is no customer with reference '{customer}'", 2)
            result = sync_customer(conn, cid, client, day)
        else:
            result = sync_all(conn, client, day)
    typer.echo(
        f"register: {result.fetched} units fetched, {result.enriched} customers enriched, "
        f"{result.events_added} events added, {len(result.errors)} errors"
    )
    for line in result.errors:
        typer.echo(f"  {line}", err=True)


if __name__ == "__main__":
    app()


# --- users ----------------------------------------------------------------------------------------------------------


def _password(given: str | None, stdin: bool) -> str | None:
    """The password from --password-stdin (one line) or asked twice at the prompt; never echoed or logged."""
    if given is not None:
        return given
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _users_write(fn, *args, **kwargs):
    from data_access.users import AccountError

    try:
        with _engine().begin() as conn:
            return fn(conn, *args, **kwargs)
    except AccountError as exc:
        _fail(str(exc), 2)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The sign-in name, e.g. kari.nordmann.")],
    role: Annotated[str, typer.Option("--role", help="viewer | sales | credit_manager | admin")],
    name: Annotated[str | None, typer.Option("--name", help="Full name shown with decisions.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="The identity single sign-on maps.")] = None,
    authority: Annotated[
        str | None,
        typer.Option("--authority", help="Role in the approval matrix: sales | credit_manager | cfo | board"),
    ] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    sso_only: Annotated[bool, typer.Option("--sso-only", help="No password: single sign-on only.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who adds (default: your login name).")] = None,
) -> None:
    """Add a user (the first admin of a new installation is added this way or on the first-run page)."""
    from data_access.users import add_user

    password = None if sso_only else _password(None, password_stdin)
    a = _users_write(
        add_user, username, role=role, display_name=name, password=password, email=email, authority=authority,
        actor=_who(by), now=_now(),
    )  # fmt: skip
    typer.echo(f"user {a.username} added ({a.role})")


@users_app.command("list")
def users_list() -> None:
    """Every account: user name, role, authority, active or disabled, last sign-in."""
    from data_access.users import accounts

    with _engine().connect() as conn:
        found = accounts(conn)
    if not found:
        typer.echo("No users yet; add the first with: python cli.py users add NAME --role admin")
    for a in found:
        last = f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "never"
        state = "disabled" if a.disabled else "active"
        typer.echo(
            f"{a.username}  {a.display_name}  {a.role}  authority={a.acting_authority or '-'}  {state}  "
            f"last sign-in {last}"
        )


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="viewer | sales | credit_manager | admin")],
    authority: Annotated[str | None, typer.Option("--authority", help="Role in the approval matrix.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who changes it (default: your login name).")] = None,
) -> None:
    from data_access.users import set_role

    a = _users_write(set_role, username, role, authority=authority, actor=_who(by), now=_now())
    typer.echo(f"{a.username} is now {a.role} (authority {a.acting_authority or '-'})")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument()],
    by: Annotated[str | None, typer.Option("--by", help="Who disables it (default: your login name).")] = None,
) -> None:
    """Disable an account: its sessions end at their next request."""
    from data_access.users import disable_user

    a = _users_write(disable_user, username, actor=_who(by), now=_now())
    typer.echo(f"{a.username} is disabled")


@users_app.command("enable")
def users_enable(
    username: Annotated[str, typer.Argument()],
    by: Annotated[str | None, typer.Option("--by", help="Who enables it (default: your login name).")] = None,
) -> None:
    """Enable an account again (and lift a sign-in lockout)."""
    from data_access.users import enable_user

    a = _users_write(enable_user, username, actor=_who(by), now=_now())
    typer.echo(f"{a.username} is enabled")


@users_app.command("password")
def users_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who sets it (default: your login name).")] = None,
) -> None:
    """Set a new password (and lift a sign-in lockout)."""
    from data_access.users import set_password

    a = _users_write(set_password, username, _password(None, password_stdin), actor=_who(by), now=_now())
    typer.echo(f"password of {a.username} set")


@users_app.command("sign-in-policy")
def users_sign_in_policy(
    idle_minutes: Annotated[int | None, typer.Option("--idle-minutes", help="Sign out after this idle time.")] = None,
    max_failures: Annotated[
        int | None, typer.Option("--max-failures", help="Failed sign-ins in a row before a lockout.")
    ] = None,
    lockout_minutes: Annotated[int | None, typer.Option("--lockout-minutes", help="How long a lockout lasts.")] = None,
    min_password_length: Annotated[int | None, typer.Option("--min-password-length")] = None,
) -> None:
    """Show or change the sign-in rules (idle timeout, lockout after failed sign-ins, password length)."""
    from data_access.users import save_sign_in_policy, sign_in_policy

    given = {
        "idle_minutes": idle_minutes,
        "max_failures": max_failures,
        "lockout_minutes": lockout_minutes,
        "min_password_length": min_password_length,
    }
    with _engine().begin() as conn:
        try:
            policy = save_sign_in_policy(conn, **{k: v for k, v in given.items() if v is not None})
        except ValueError as exc:
            _fail(str(exc), 2)
    if not any(v is not None for v in given.values()):
        with _engine().connect() as conn:
            policy = sign_in_policy(conn)
    typer.echo(
        f"idle timeout {policy.idle_minutes} min; lockout after {policy.max_failures} failed sign-ins for "
        f"{policy.lockout_minutes} min; passwords of at least {policy.min_password_length} characters"
    )
