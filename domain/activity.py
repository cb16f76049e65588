"""Notes, calls and promises to pay on a customer: what a valid entry is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

KINDS = ("note", "call", "promise")
MAX_TEXT = 4000


class ActivityError(ValueError):
    """An activity that cannot be saved as entered."""


@dataclass(frozen=True)
class NewActivity:
    kind: str
    activity_date: date
    text: str
    author: str
    promised_amount: Decimal | None = None
    promised_date: date | None = None


def validate(a: NewActivity) -> NewActivity:
    """The cleaned activity, or ActivityError naming what is wrong."""
    if a.kind not in KINDS:
        raise ActivityError(f"'{a.kind}' is not one of {', '.join(KINDS)}")
    text = a.text.strip()
    author = a.author.strip()
    if not author:
        raise ActivityError("an author is needed")
    if len(text) > MAX_TEXT:
        raise ActivityError(f"the text is longer than {MAX_TEXT} characters")
    if a.kind == "promise":
        if a.promised_amount is None or a.promised_amount <= 0:
            raise ActivityError("a promise to pay needs a positive amount")
        if a.promised_amount != a.promised_amount.quantize(Decimal("0.01")):
            raise ActivityError("the promised amount has more than 2 decimals")
        if a.promised_date is None:
            raise ActivityError("a promise to pay needs the date it promises")
        if a.promised_date < a.activity_date:
            raise ActivityError("the promised date is before the day the promise was made")
        return NewActivity(a.kind, a.activity_date, text, author, a.promised_amount, a.promised_date)
    if not text:
        raise ActivityError(f"a {a.kind} needs some text")
    return NewActivity(a.kind, a.activity_date, text, author)
