"""The credit policy as data: buckets, KPI window, trend rule, payment index, freshness, risk classes and their
terms, bureau mappings, class rules, the approval matrix, loss given default, alert thresholds and dunning ladders."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.aging import DEFAULT_EDGES, Buckets
from domain.approvals import DEFAULT_MATRIX, ApprovalLevel, validate_matrix
from domain.behaviour import TrendRule
from domain.dunning import DEFAULT_LADDERS, CountryLadder, LadderStep
from domain.ecl import EclError, EclSettings
from domain.kpis import PaymentIndexScale
from domain.risk import CLASSES, DEFAULT_CLASS_TERMS, BureauMapping, ClassTerms, RiskRules, ScoreBand


class PolicyError(ValueError):
    """A policy document that is not valid."""


@dataclass(frozen=True)
class Policy:
    bucket_edges: tuple[int, ...] = DEFAULT_EDGES
    kpi_window_days: int = 90
    ledger_freshness_days: int = 2
    trend: TrendRule = field(default_factory=TrendRule)
    payment_index: PaymentIndexScale = field(default_factory=PaymentIndexScale)
    risk_classes: tuple[ClassTerms, ...] = DEFAULT_CLASS_TERMS
    bureau: BureauMapping = field(default_factory=BureauMapping)
    risk_rules: RiskRules = field(default_factory=RiskRules)
    approval_matrix: tuple[ApprovalLevel, ...] = DEFAULT_MATRIX
    limit_validity_months: int = 12
    # LGD for the risk-model expected loss (PD x LGD x exposure); 70 % follows the worked example in
    # domain_rules.md §3 [D]: unsecured trade-creditor recoveries in Nordic bankruptcies are low
    lgd_percent: Decimal = Decimal(70)
    alerts: AlertThresholds = field(default_factory=lambda: AlertThresholds())
    # one dunning ladder per country; whether a ladder is lawful depends on the date (domain.dunning.validate_ladder)
    dunning: tuple[CountryLadder, ...] = DEFAULT_LADDERS
    # IFRS 9 provision: loss-history window, per-bucket overrides with rationale, forward-looking factor and source,
    # and who is assessed individually (domain.ecl)
    ecl: EclSettings = field(default_factory=EclSettings)

    def __post_init__(self) -> None:
        Buckets(self.bucket_edges)  # validates
        if self.kpi_window_days <= 0:
            raise PolicyError("kpi_window_days must be a positive number of days")
        if self.ledger_freshness_days < 0:
            raise PolicyError("ledger_freshness_days must not be negative")
        if tuple(t.risk_class for t in self.risk_classes) != CLASSES:
            raise PolicyError(f"the policy needs terms for the classes {', '.join(CLASSES)} in that order")
        validate_matrix(self.approval_matrix)
        if self.limit_validity_months <= 0:
            raise PolicyError("limit_validity_months must be positive")
        if not Decimal(0) <= self.lgd_percent <= Decimal(100):
            raise PolicyError("lgd_percent must be between 0 and 100")
        countries = [ladder.country for ladder in self.dunning]
        if len(set(countries)) != len(countries):
            raise PolicyError(f"the policy has more than one dunning ladder for {_first_repeated(countries)}")

    def terms(self, risk_class: str) -> ClassTerms:
        return {t.risk_class: t for t in self.risk_classes}[risk_class]

    def ladder(self, country: str) -> CountryLadder | None:
        """The dunning ladder for a country, None when the policy has none for it."""
        return next((ladder for ladder in self.dunning if ladder.country == country), None)

    @property
    def buckets(self) -> Buckets:
        return Buckets(self.bucket_edges)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples as lists, Decimals as strings (exact), nested rules as objects."""
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Policy:
        """A policy from its JSON; sections missing from an older version take today's defaults."""
        try:
            base = cls()
            pi = d.get("payment_index", {})
            bureau = d.get("bureau", {})
            b0 = base.bureau
            return cls(
                bucket_edges=tuple(_whole(e) for e in d.get("bucket_edges", base.bucket_edges)),
                kpi_window_days=_whole(d.get("kpi_window_days", base.kpi_window_days)),
                ledger_freshness_days=_whole(d.get("ledger_freshness_days", base.ledger_freshness_days)),
                trend=TrendRule(**{k: _whole(v) for k, v in d.get("trend", {}).items()}),
                payment_index=PaymentIndexScale(
                    points=tuple((_whole(a), _whole(b)) for a, b in pi.get("points", base.payment_index.points)),
                    floor=_whole(pi.get("floor", base.payment_index.floor)),
                    ceiling=_whole(pi.get("ceiling", base.payment_index.ceiling)),
                    source=str(pi.get("source", base.payment_index.source)),
                ),
                risk_classes=tuple(
                    ClassTerms(
                        risk_class=str(t["risk_class"]),
                        payment_terms_days=_whole(t["payment_terms_days"]),
                        max_credit_limit=_money_or_none(t.get("max_credit_limit")),
                        review_months=_whole(t["review_months"]),
                        prepayment_required=_flag(t["prepayment_required"]),
                        insurance_required=_flag(t["insurance_required"]),
                        pd_percent=_decimal(t["pd_percent"]),
                    )
                    for t in d["risk_classes"]
                )
                if "risk_classes" in d
                else base.risk_classes,
                bureau=BureauMapping(
                    score_bands=tuple(
                        ScoreBand(_whole(b["lower"]), str(b["risk_class"]), str(b["label"]))
                        for b in bureau.get("score_bands", [])
                    )
                    or b0.score_bands,
                    score_source=str(bureau.get("score_source", b0.score_source)),
                    ratings=tuple((str(r), str(c)) for r, c in bureau.get("ratings", b0.ratings)),
                    ratings_source=str(bureau.get("ratings_source", b0.ratings_source)),
                    uc_classes=tuple((_whole(u), str(c)) for u, c in bureau.get("uc_classes", b0.uc_classes)),
                    uc_source=str(bureau.get("uc_source", b0.uc_source)),
                    unrated_class=str(bureau.get("unrated_class", b0.unrated_class)),
                ),
                risk_rules=_rules(d.get("risk_rules", {})),
                approval_matrix=tuple(
                    ApprovalLevel(str(lv["role"]), _money_or_none(lv.get("up_to"))) for lv in d["approval_matrix"]
                )
                if "approval_matrix" in d
                else base.approval_matrix,
                limit_validity_months=_whole(d.get("limit_validity_months", base.limit_validity_months)),
                lgd_percent=_decimal(d.get("lgd_percent", base.lgd_percent)),
                alerts=_alerts(d.get("alerts", {})),
                dunning=_ladders(d["dunning"]) if "dunning" in d else base.dunning,
                ecl=EclSettings.from_dict(d.get("ecl", {})),
            )
        except EclError as exc:
            raise PolicyError(f"invalid policy: {exc}") from exc
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise PolicyError(f"invalid policy: {exc}") from exc


@dataclass(frozen=True)
class AlertThresholds:
    """When monitoring raises an alert; every number is policy data."""

    score_drop_points: int = 10  # a bureau score this many points below the previous report
    overdue_days: int = 60  # any amount more than this many days past due
    review_warning_days: int = 30  # credit review or limit expiry due within this many days
    insurer_notification_days: int = 60  # days past due by which the credit insurer must be told (per policy)
    insurer_warning_days: int = 10  # warn this many days before that deadline
    # a unit deleted from the register (domain.brreg DELETED) no longer exists to sell to; policy versions saved
    # before it was added keep their own list (docs/metrics.md section 22)
    credit_hold_events: tuple[str, ...] = (
        "bankruptcy",
        "bankruptcy_petition",
        "liquidation",
        "forced_dissolution",
        "deleted",
    )
    auto_credit_hold: int = 1  # 1: the monitor puts the customer on credit hold at such an event; 0: it recommends
    new_event_days: int = 30  # an event or report counts as new this many days after its date (first run)
    collection_days: int = 90  # overdue beyond this: the recommendation is hand-over to collection
    downgrade_alert_class: str = "C"  # a class downgrade raises an alert when the new class is this or worse

    def __post_init__(self) -> None:
        for name in ("score_drop_points", "overdue_days", "insurer_notification_days", "new_event_days"):
            if getattr(self, name) <= 0:
                raise ValueError(f"alert threshold {name} must be positive")
        for name in ("review_warning_days", "insurer_warning_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"alert threshold {name} must not be negative")
        if self.insurer_warning_days >= self.insurer_notification_days:
            raise ValueError("insurer_warning_days must be shorter than insurer_notification_days")
        if self.collection_days <= self.overdue_days:
            raise ValueError("collection_days must be longer than overdue_days")
        if self.downgrade_alert_class not in CLASSES:
            raise ValueError(f"downgrade_alert_class must be one of {', '.join(CLASSES)}")
        if self.auto_credit_hold not in (0, 1):
            raise ValueError("auto_credit_hold must be 0 or 1")

    @property
    def insurer_warning_from(self) -> int:
        """Days past due from which the insurer-notification alert is raised."""
        return self.insurer_notification_days - self.insurer_warning_days


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise PolicyError(f"{value!r} is not a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation as exc:
        raise PolicyError(f"{value!r} is not a number") from exc
    if not d.is_finite():
        raise PolicyError(f"{value!r} is not a finite number")
    return d


def _money_or_none(value: Any) -> Decimal | None:
    return None if value is None else _decimal(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise PolicyError(f"{value!r} is not true or false")


def _rules(d: dict[str, Any]) -> RiskRules:
    base = RiskRules()
    kwargs: dict[str, Any] = {}
    for name, value in d.items():
        current = getattr(base, name)  # unknown keys raise AttributeError -> caught as invalid below
        if isinstance(current, tuple):
            kwargs[name] = tuple(str(v) for v in value)
        elif isinstance(current, Decimal):
            kwargs[name] = _decimal(value)
        else:
            kwargs[name] = _whole(value)
    return RiskRules(**kwargs)


def _alerts(d: dict[str, Any]) -> AlertThresholds:
    kwargs: dict[str, Any] = {}
    for name, value in d.items():
        if name == "credit_hold_events":
            kwargs[name] = tuple(str(v) for v in value)
        elif name == "downgrade_alert_class":
            kwargs[name] = str(value)
        else:
            kwargs[name] = _whole(value)
    return AlertThresholds(**kwargs)


def _ladders(items: list[dict[str, Any]]) -> tuple[CountryLadder, ...]:
    return tuple(
        CountryLadder(
            country=str(lad["country"]),
            currency=str(lad["currency"]),
            steps=tuple(
                LadderStep(
                    kind=str(s["kind"]),
                    days_after=_whole(s["days_after"]),
                    after=str(s["after"]),
                    deadline_days=_whole(s["deadline_days"]),
                    fee=_decimal(s["fee"]),
                )
                for s in lad["steps"]
            ),
        )
        for lad in items
    )


def _first_repeated(values: list[str]) -> str:
    return next(v for i, v in enumerate(values) if v in values[:i])


def _whole(value: Any) -> int:
    """A whole number from policy JSON; 1.5 or '30.5' is an error, never truncated."""
    if isinstance(value, bool):
        raise PolicyError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
        return int(value)
    raise PolicyError(f"{value!r} is not a whole number")


def ledger_is_stale(last_loaded: datetime | None, now: datetime, max_age_days: int) -> bool:
    """True when the ledger was last loaded more than `max_age_days` days before `now` (or never)."""
    return last_loaded is None or now - last_loaded > timedelta(days=max_age_days)
