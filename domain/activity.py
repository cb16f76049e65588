"""Notes, calls and promises to pay on a customer: what a valid entry is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

KINDS = ("note", "call", "promise")
MAX_TEXT = 4000


class ActivityError(ValueError):
    """An activity that cannot be saved as entered; `code` and `params` let the UI say it in any language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)


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
        raise ActivityError("kind", f"'{a.kind}' is not one of {', '.join(KINDS)}", kind=a.kind)
    text = a.text.strip()
    author = a.author.strip()
    if not author:
        raise ActivityError("author", "an author is needed")
    if len(text) > MAX_TEXT:
        raise ActivityError("too_long", f"the text is longer than {MAX_TEXT} characters", limit=MAX_TEXT)
    if a.kind == "promise":
        if a.promised_amount is None or a.promised_amount <= 0:
            raise ActivityError("promise_amount", "a promise to pay needs a positive amount")
        if a.promised_amount != a.promised_amount.quantize(Decimal("0.01")):
            raise ActivityError("promise_decimals", "the promised amount has more than 2 decimals")
        if a.promised_date is None:
            raise ActivityError("promise_date", "a promise to pay needs the date it promises")
        if a.promised_date < a.activity_date:
            raise ActivityError("promise_before", "the promised date is before the day the promise was made")
        return NewActivity(a.kind, a.activity_date, text, author, a.promised_amount, a.promised_date)
    if not text:
        raise ActivityError("text", f"a {a.kind} needs some text", kind=a.kind)
    return NewActivity(a.kind, a.activity_date, text, author)
