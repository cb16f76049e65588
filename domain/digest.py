"""The daily alert digest: one plain-text message per assignee with the new and the still-open alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
DIGEST_STATUSES = frozenset({"open", "acknowledged"})
UNASSIGNED_LABEL = "Unassigned"


@dataclass(frozen=True)
class DigestAlert:
    id: int
    customer_ref: str
    customer_name: str
    type: str
    severity: str  # high | medium | low
    since: date
    raised_on: date
    message: str
    recommendation: str
    status: str  # open | acknowledged (closed ones are dropped by compose)
    assignee: str | None


@dataclass(frozen=True)
class DigestMessage:
    assignee: str | None  # None = unassigned
    subject: str
    text: str  # plain-text body
    new: tuple[DigestAlert, ...]  # raised_on == as_of
    still_open: tuple[DigestAlert, ...]  # raised before as_of and not closed


def format_date(d: date) -> str:
    return f"{d:%d.%m.%Y}"


def _sort_key(alert: DigestAlert) -> tuple[int, date, str, int]:
    return (SEVERITY_ORDER[alert.severity], alert.since, alert.customer_ref, alert.id)


def _headline(n_new: int, n_open: int, as_of: date, company: str) -> str:
    noun = "alert" if n_new + n_open == 1 else "alerts"
    parts = [f"Kredittvakt: {n_new} new, {n_open} open {noun}", format_date(as_of)]
    if company.strip():
        parts.append(company.strip())
    return " – ".join(parts)


def alert_line(alert: DigestAlert) -> str:
    """One alert on one line: severity, customer, message, recommendation, since date (and acknowledged)."""
    ack = ", acknowledged" if alert.status == "acknowledged" else ""
    return (
        f"[{alert.severity.upper()}] {alert.customer_ref} {alert.customer_name}: {alert.message}"
        f" → {alert.recommendation} (since {format_date(alert.since)}{ack})"
    )


def _section(title: str, alerts: Sequence[DigestAlert]) -> list[str]:
    lines = [f"{title} ({len(alerts)})"]
    lines += [f"- {alert_line(a)}" for a in alerts] or ["- none"]
    return lines


def _assignee_label(assignee: str | None) -> str:
    return assignee if assignee is not None else UNASSIGNED_LABEL


def _validate(alerts: Sequence[DigestAlert], as_of: date) -> list[DigestAlert]:
    """The alerts that belong in the digest; a severity we cannot rank is a caller bug and is reported."""
    kept = []
    for a in alerts:
        if a.status not in DIGEST_STATUSES:
            continue  # closed (or anything unknown) has nothing left to do
        if a.severity not in SEVERITY_ORDER:
            raise ValueError(f"alert {a.id}: severity '{a.severity}' is not one of high, medium, low")
        if a.raised_on > as_of:
            continue  # raised after the digest date: it did not exist yet as of that day
        kept.append(a)
    return kept


def compose(alerts: Sequence[DigestAlert], as_of: date, company: str) -> list[DigestMessage]:
    """One message per assignee (unassigned last) with something new or still open; [] when nothing is open."""
    by_assignee: dict[str | None, list[DigestAlert]] = {}
    for a in _validate(alerts, as_of):
        # An empty or blank assignee is as good as none: it has no address to go to.
        who = a.assignee.strip() if a.assignee and a.assignee.strip() else None
        by_assignee.setdefault(who, []).append(a)

    order = sorted(by_assignee, key=lambda who: (who is None, (who or "").casefold(), who or ""))
    messages = []
    for who in order:
        group = sorted(by_assignee[who], key=_sort_key)
        new = tuple(a for a in group if a.raised_on == as_of)
        still_open = tuple(a for a in group if a.raised_on < as_of)
        subject = _headline(len(new), len(still_open), as_of, company)
        lines = [
            subject,
            f"Assignee: {_assignee_label(who)}",
            "",
            *_section("New", new),
            "",
            *_section("Still open", still_open),
        ]
        messages.append(DigestMessage(who, subject, "\n".join(lines) + "\n", new, still_open))
    return messages


def webhook_payload(messages: Sequence[DigestMessage], as_of: date, company: str) -> dict[str, str]:
    """All messages in one chat post; {"text": ...} is accepted by Slack and Teams incoming webhooks."""
    n_new = sum(len(m.new) for m in messages)
    n_open = sum(len(m.still_open) for m in messages)
    lines = [_headline(n_new, n_open, as_of, company)]
    for m in messages:
        lines += ["", f"{_assignee_label(m.assignee)}: {len(m.new)} new, {len(m.still_open)} open"]
        lines += [f"- NEW {alert_line(a)}" for a in m.new]
        lines += [f"- {alert_line(a)}" for a in m.still_open]
    return {"text": "\n".join(lines)}
