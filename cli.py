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
from domain.open_items import KIND as OPEN_ITEMS
from domain.serialize import KPI_KEYS, aging_by_customer, aging_portfolio, kpis_dict
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
    kind: Annotated[str, typer.Argument(help=f"{' | '.join(FORMATS)} | open-items")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
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
) -> None:
    """Import one file (all rows or none): a canonical CSV, or an ERP export whose encoding, separator, decimal
    mark, date format and column names (en, nb, sv, da) are detected, or mapped by a preset or a mapping file."""
    if kind == OPEN_ITEMS:
        _import_open_items(file, snapshot_date, create_customers, allow_empty)
        return
    if kind not in FORMATS:
        _fail(f"unknown kind '{kind}'; choose one of {', '.join([*FORMATS, OPEN_ITEMS])}", 2)
    if preset_name and mapping_file:
        _fail("give --preset or --mapping, not both", 2)
    engine = _engine()
    started = utcnow()
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
                )
                if save_as:
                    save_preset(conn, Preset(save_as, prepared.mapping, None if preset_name is None else dialect))
                if dry_run:
                    conn.rollback()
        except ImportFailed as exc:
            shown.close()
            if not dry_run:
                with engine.begin() as conn:
                    log_failed_import(conn, kind, stream, file.name, exc, started)
            _import_refused(exc)
        except IngestError as exc:
            shown.close()
            _fail(str(exc), 2)
        shown.close()
    if not prepared.canonical:
        typer.echo(prepared.describe())
    if dry_run:
        typer.echo(f"dry run, nothing written: {result.summary()}")
        return
    typer.echo(result.summary())
    for note in result.notes:
        typer.echo(note)
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


def _import_open_items(file: Path, snapshot_date: str | None, create_customers: bool, allow_empty: bool) -> None:
    """Today's open items from the ERP: new documents added, lower remaining amounts and documents gone from the
    list become payments on the list's date; our open AR that day then equals the list's total."""
    from data_access.open_items_import import import_open_items_file

    day = None if snapshot_date is None else _date(snapshot_date, "--snapshot-date")
    engine = _engine()
    data = file.read_bytes()
    started = utcnow()
    try:
        with engine.begin() as conn:
            result = import_open_items_file(
                conn, data, file.name, snapshot_date=day, create_customers=create_customers, allow_empty=allow_empty
            )
    except ImportFailed as exc:
        with engine.begin() as conn:
            log_failed_import(conn, OPEN_ITEMS, data, file.name, exc, started)
        _import_refused(exc)
    typer.echo(result.summary())
    for w in result.warnings:
        typer.echo(f"warning: {w}")


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
        if by == "portfolio":
            w.writerow(["label", "amount", "count"])
            for b in data["buckets"]:
                w.writerow([b["label"], f"{b['amount']:.2f}", b["count"]])
        else:
            w.writerow(["customer_ref", "name", "total", *labels])
            for r in data["rows"]:
                w.writerow(
                    [r["customer_ref"], r["name"], f"{r['total']:.2f}", *[f"{r['buckets'][lb]:.2f}" for lb in labels]]
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
    amount: Annotated[str, typer.Option("--amount", help="The ERP's receivables total, base currency.")],
    source: Annotated[str, typer.Option("--source", help="e.g. 'Tripletex aged receivables' or 'GL 1500'.")],
    by: Annotated[str | None, typer.Option("--by", help="Who enters it (default: your login name).")] = None,
) -> None:
    """Record the ERP's own receivables total for a date; the lender pack prints our difference to it."""
    try:
        value = parse_amount(amount)
        with _engine().begin() as conn:
            add_control_total(conn, _date(as_of, "--as-of"), value, source, _who(by))
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(f"Control total {value} for {as_of} ({source}) recorded")


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
