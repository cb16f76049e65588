"""The portfolio filter every page honours: which customers are in view."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CustomerFilter:
    """Empty tuples mean "all". `groups` holds the customer ids of corporate-group roots (top-most parents);
    `currencies` filters on the customer's invoicing currency."""

    countries: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    groups: tuple[int, ...] = ()
    currencies: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.countries or self.segments or self.industries or self.groups or self.currencies)


ALL = CustomerFilter()
