"""The ERP's control totals: the file kind `control-totals` (a date's receivables total, or the balance of each
customer), strict parsing of its rows, and the comparison of per-customer balances with our open AR by customer.

Pure: no SQL, no clock. data_access.control_totals resolves customers and rates, stores the totals and reads our
side from the as-of aging.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.canonical import FieldError, parse_currency, parse_date, parse_money
from domain.money import convert
from domain.open_items import FileProblems, Problem

KIND = "control-totals"
MAX_REF = 64  # customers.customer_ref
MAX_ORG = 20  # customers.org_number
ZERO = Decimal("0.00")
# A row whose customer column says only this is the export's total line, not a customer (compared without case,
# spaces or punctuation): "Sum", "Totalt", "Summa", "I alt", "Grand total", ...
TOTAL_WORDS = frozenset({"sum", "total", "totalt", "totals", "summa", "ialt", "totalsum", "sumtotal", "grandtotal"})


class ControlTotalError(FileProblems):
    """The file cannot be stored."""

    default = "invalid control totals"


@dataclass(frozen=True)
class BalanceRow:
    """One row of the file: a customer's balance (customer_ref and/or org_number), or, with neither, the file's
    own total for the date and currency. Amounts are signed (a customer in credit is negative)."""

    row: int  # spreadsheet row (header = 1)
    as_of: date
    customer_ref: str | None
    org_number: str | None
    balance: Decimal
    currency: str

    @property
    def is_total(self) -> bool:
        return self.customer_ref is None and self.org_number is None

    @property
    def customer(self) -> str:
        """How the row names its customer, for messages: the reference, else the organisation number."""
        return self.customer_ref or self.org_number or ""


def _is_total_word(text: str) -> bool:
    return re.sub(r"[^a-z]", "", text.casefold()) in TOTAL_WORDS


def _opt(row: Mapping[str, str], col: str, limit: int) -> str | None:
    v = (row.get(col) or "").strip()
    if not v:
        return None
    if len(v) > limit:
        raise FieldError(f"at most {limit} characters, got {len(v)}")
    return v


def parse_balances(rows: Sequence[Mapping[str, str]], as_of: date | None, base_currency: str) -> list[BalanceRow]:
    """Typed rows of a control-totals file; raises ControlTotalError listing every problem.

    `rows` are text rows keyed by column with the spreadsheet row under "__row__" (data_access.imports.read_rows).
    A row's date is its `date` column, else `as_of`; when both are given they must agree. `currency` defaults to
    the base currency. A customer may appear once per date and currency; a date and currency may have one total row
    (no customer, or a customer column saying "Sum"/"Totalt"), which must equal the sum of that date's and
    currency's customer rows when there are any.
    """
    problems: list[Problem] = []
    out: list[BalanceRow] = []
    seen: dict[tuple, int] = {}
    for i, row in enumerate(rows):
        n = int(row.get("__row__") or i + 2)
        col = ""
        try:
            col = "date"
            written = (row.get("date") or "").strip()
            if written:
                day = parse_date(written)
                if as_of is not None and day != as_of:
                    raise FieldError(f"differs from the date given for the file ({as_of})")
            elif as_of is None:
                raise FieldError("is required (or give the date of the balances separately)")
            else:
                day = as_of
            col = "customer_ref"
            ref = _opt(row, "customer_ref", MAX_REF)
            total_line = ref is not None and _is_total_word(ref)  # the export's own "Sum" line
            col = "org_number"
            org = None if total_line else _opt(row, "org_number", MAX_ORG)
            if total_line:
                ref = None
            col = "balance"
            text = (row.get("balance") or "").strip()
            if not text:
                raise FieldError("is required")
            balance = parse_money(text)
            col = "currency"
            currency = parse_currency((row.get("currency") or "").strip() or base_currency)
        except FieldError as exc:
            problems.append(Problem(n, col, row.get(col, "") or "", str(exc)))
            continue
        item = BalanceRow(n, day, ref, org, balance, currency)
        key = (day, currency, ref, None if ref is not None else org)
        if key in seen:
            what = "total row" if item.is_total else f"row for customer {item.customer}"
            column = "customer_ref" if ref is not None else "org_number" if org is not None else "balance"
            shown = item.customer if not item.is_total else row.get("balance", "")
            problem = f"a second {what} on {day} in {currency}; the first is row {seen[key]}"
            problems.append(Problem(n, column, shown, problem))
            continue
        seen[key] = n
        out.append(item)
    for t in (r for r in out if r.is_total):
        lines = [r for r in out if not r.is_total and r.as_of == t.as_of and r.currency == t.currency]
        others = [r for r in out if not r.is_total and r.as_of == t.as_of]
        if others and sum((r.balance for r in lines), ZERO) != t.balance:
            added = sum((r.balance for r in lines), ZERO)
            problems.append(
                Problem(
                    t.row,
                    "balance",
                    str(t.balance),
                    f"the file's total for {t.as_of} in {t.currency} is {t.balance:.2f}, but its customer rows "
                    f"add up to {added:.2f}",
                )
            )
    if not rows:
        problems.append(Problem(0, "", "", "the file lists no balances"))
    if problems:
        raise ControlTotalError(sorted(problems, key=lambda p: p.row))
    return out


# --- one date of the file -----------------------------------------------------------------------


@dataclass(frozen=True)
class DayBalances:
    """What the file gives for one date: customer rows (then the control total is by customer) and/or totals."""

    as_of: date
    lines: tuple[BalanceRow, ...]
    totals: tuple[BalanceRow, ...]

    @property
    def by_customer(self) -> bool:
        return bool(self.lines)

    @property
    def currencies(self) -> set[str]:
        return {r.currency for r in (*self.lines, *self.totals)}


def by_date(rows: Sequence[BalanceRow]) -> list[DayBalances]:
    days = sorted({r.as_of for r in rows})
    return [
        DayBalances(
            d,
            tuple(r for r in rows if r.as_of == d and not r.is_total),
            tuple(r for r in rows if r.as_of == d and r.is_total),
        )
        for d in days
    ]


def to_base(amount: Decimal, currency: str, base_currency: str, rates: Mapping[str, Decimal]) -> Decimal:
    """A balance in the base currency at the closing rate, rounded to 0.01 half-up (one rounding per row)."""
    return amount if currency == base_currency else convert(amount, rates[currency])


def erp_total(day: DayBalances, base_currency: str, rates: Mapping[str, Decimal]) -> Decimal:
    """The ERP's total of the date in the base currency. By customer it is the sum of the converted customer rows
    (a total row is only checked against them), so the per-customer differences add up to the total difference;
    otherwise the converted total rows."""
    rows = day.lines if day.by_customer else day.totals
    return sum((to_base(r.balance, r.currency, base_currency, rates) for r in rows), ZERO)


# --- the comparison by customer -----------------------------------------------------------------


@dataclass(frozen=True)
class ErpBalance:
    """One stored per-customer balance of the ERP in the base currency (one per customer and currency)."""

    customer_id: int | None  # None: a customer Kredittvakt does not know
    customer_ref: str  # the customer's reference, or what the file called a customer we do not know
    amount: Decimal


@dataclass(frozen=True)
class OurBalance:
    """A customer's open AR as of the date, from the aging (base currency)."""

    customer_id: int
    customer_ref: str
    name: str
    amount: Decimal


SIDES = ("both", "erp_only", "ours_only", "unknown")


@dataclass(frozen=True)
class CustomerDifference:
    """A customer whose balance differs. `side`: both list it; erp_only: the ERP has a balance, we have no open
    items; ours_only: we have open items, the ERP lists no balance; unknown: the ERP lists a customer Kredittvakt
    does not know."""

    customer_id: int | None
    customer_ref: str
    name: str | None
    erp: Decimal | None  # None: the ERP lists no balance
    ours: Decimal | None  # None: no open items in our ledger
    side: str

    @property
    def difference(self) -> Decimal:
        """Ours minus the ERP's, as the total difference on Data status."""
        return (self.ours or ZERO) - (self.erp or ZERO)


@dataclass(frozen=True)
class Reconciliation:
    """The ERP's per-customer balances of a date against our open AR by customer."""

    as_of: date
    source: str
    erp_total: Decimal
    our_total: Decimal
    customers: tuple[CustomerDifference, ...]  # only those that differ, largest absolute difference first

    @property
    def difference(self) -> Decimal:
        return self.our_total - self.erp_total

    @property
    def explained(self) -> Decimal:
        """The sum of the per-customer differences: always equal to `difference`."""
        return sum((c.difference for c in self.customers), ZERO)


def reconcile(
    as_of: date,
    source: str,
    erp: Sequence[ErpBalance],
    ours: Sequence[OurBalance],
    names: Mapping[int, str] | None = None,
) -> Reconciliation:
    """Match the ERP's balances with ours customer by customer (a customer's rows in several currencies add up);
    customers whose amounts agree are left out. `names` names known customers that only the ERP lists."""
    names = names or {}
    erp_by: dict[tuple, Decimal] = {}
    refs: dict[tuple, str] = {}
    for b in erp:
        key = ("id", b.customer_id) if b.customer_id is not None else ("ref", b.customer_ref)
        erp_by[key] = erp_by.get(key, ZERO) + b.amount
        refs.setdefault(key, b.customer_ref)
    ours_by = {("id", o.customer_id): o for o in ours}
    rows = []
    for key in erp_by.keys() | ours_by.keys():
        mine = ours_by.get(key)
        theirs = erp_by.get(key)
        if mine is not None:
            ref, name = mine.customer_ref, mine.name
        else:
            ref, name = refs[key], names.get(key[1]) if key[0] == "id" else None
        if key[0] == "ref":
            side = "unknown"
        elif mine is None:
            side = "erp_only"
        elif theirs is None:
            side = "ours_only"
        else:
            side = "both"
        row = CustomerDifference(
            key[1] if key[0] == "id" else None, ref, name, theirs, None if mine is None else mine.amount, side
        )
        if row.difference != 0:
            rows.append(row)
    rows.sort(key=lambda r: (-abs(r.difference), r.customer_ref))
    return Reconciliation(
        as_of,
        source,
        sum(erp_by.values(), ZERO),
        sum((o.amount for o in ours), ZERO),
        tuple(rows),
    )
