"""Settings › Policy: edit the credit policy and save it as a new version, the version history with what each
version changed, restore an old version as a new one, and the policy as a PDF."""

from dataclasses import fields
from decimal import Decimal
from functools import partial

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame, messages
from components.frame import ROLE_LABELS
from components.i18n import N_, _
from components.safe import md
from components.state import ROLES, acting_user
from data_access import cache
from data_access.policy_store import PolicyUnchanged
from domain.behaviour import TrendRule
from domain.dunning import STEP_KINDS
from domain.policy import AlertThresholds, Policy, PolicyError
from domain.policy_diff import NO, NONE, YES, diff_policies
from domain.risk import CLASSES, RiskRules

frame.enter_page()

FORM = "pf_"  # every widget of the edit form; cleared when the active version changes, so the form shows it
FORM_VERSION = "policy_form_version"
FLASH = "policy_flash"
PICK = "policy_pick"

FIELD_LABELS = {
    "payment_terms_days": N_("Payment terms (days)"),
    "max_credit_limit": N_("Max. credit limit"),
    "review_months": N_("Review every (months)"),
    "prepayment_required": N_("Prepayment required"),
    "insurance_required": N_("Credit insurance required"),
    "pd_percent": N_("PD %"),
    "up_to": N_("Up to"),
    "bucket_edges": N_("Bucket edges (days)"),
    "kpi_window_days": N_("KPI window (days)"),
    "ledger_freshness_days": N_("Ledger freshness (days)"),
    "recent_days": N_("Recent window (days)"),
    "baseline_days": N_("Baseline window (days)"),
    "min_recent_count": N_("Min. paid invoices, recent window"),
    "min_baseline_count": N_("Min. paid invoices, baseline window"),
    "min_increase_days": N_("Min. increase in median days late"),
    "min_recent_days_late": N_("Min. recent median days late"),
    "rolling_window": N_("Rolling median (invoices)"),
    "score_drop_points": N_("Score drop (points)"),
    "overdue_days": N_("Overdue (days past due)"),
    "review_warning_days": N_("Review warning (days ahead)"),
    "insurer_notification_days": N_("Insurer notification (days past due)"),
    "insurer_warning_days": N_("Insurer warning (days before the deadline)"),
    "credit_hold_events": N_("Credit-hold events"),
    "auto_credit_hold": N_("Automatic credit hold"),
    "downgrade_alert_class": N_("Alert on a downgrade to class"),
    "new_event_days": N_("Events count as new for (days)"),
    "collection_days": N_("Hand over to collection after (days past due)"),
    "lgd_percent": N_("Loss given default (LGD %)"),
    "severe_events": N_("Severe register events (class E)"),
    "severe_event_days": N_("Severe event counts for (days)"),
    "remark_notches": N_("Payment remarks: classes down"),
    "many_remarks": N_("Many remarks: from this count"),
    "many_remark_notches": N_("Many remarks: classes down"),
    "role_events": N_("Role-change events"),
    "role_change_days": N_("Role change counts for (days)"),
    "role_change_notches": N_("Role change: classes down"),
    "weak_payment_index": N_("Weak payment index: below"),
    "weak_payment_notches": N_("Weak payment index: classes down"),
    "deteriorating_notches": N_("Paying later: classes down"),
    "high_overdue_share": N_("High overdue share: above (%)"),
    "high_overdue_notches": N_("High overdue share: classes down"),
    "over_limit_notches": N_("Over the limit: classes down"),
    "new_customer_months": N_("New customer: under (months)"),
    "new_customer_notches": N_("New and unrated: classes down"),
    "good_payment_index": N_("Good payer: payment index from"),
    "good_relationship_months": N_("Good payer: customer for (months)"),
    "good_payer_notches": N_("Good payer: classes up"),
    "score_bands": N_("Score bands"),
    "kind": N_("Step"),
    "days_after": N_("Days after"),
    "after": N_("After"),
    "deadline_days": N_("Deadline (days)"),
    "fee": N_("Fee"),
    "limit_validity_months": N_("Credit limit valid for (months)"),
    "lookback_months": N_("Loss history: cohorts of the last (months)"),
    "emergence_months": N_("Latest months left out"),
    "min_reached": N_("Sufficient history: amount reached"),
    "overrides": N_("Override"),
    "rate_percent": N_("Rate %"),
    "rationale": N_("Rationale"),
    "forward_factor": N_("Forward-looking factor"),
    "forward_source": N_("Source of the forward-looking factor"),
    "individual_threshold": N_("Individual assessment: balance above"),
    "individual_events": N_("Individual assessment: register events"),
    "individual_in_collection": N_("Individual assessment: in collection"),
}
SECTION_LABELS = {
    "approval_matrix": N_("Approval matrix"),
    "alerts": N_("Alerts"),
    "trend": N_("Payment trend"),
    "payment_index": N_("Payment index"),
    "bureau": N_("Bureau mapping"),
    "risk_rules": N_("Risk rules"),
    "ecl": N_("IFRS 9 provision"),
}


class FormError(ValueError):
    """A form entry that cannot become a policy; the message is already in the reader's language."""


def label(name: str) -> str:
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ").capitalize()


def role_label(role: str) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role.replace("_", " ")


def setting_label(path: str) -> str:
    """A diff path in words: risk_classes.C.payment_terms_days -> 'Risk class C › Payment terms (days)'."""
    head, *rest = path.split(".")
    if head == "risk_classes" and len(rest) == 2:
        return f"{_('Risk class {cls}').format(cls=rest[0])} › {label(rest[1])}"
    if head == "dunning" and len(rest) == 4 and rest[1] == "steps":
        return " › ".join(
            [_("Dunning ladder {country}").format(country=rest[0]), _("Step {n}").format(n=rest[2]), label(rest[3])]
        )
    if head == "approval_matrix" and len(rest) == 2:
        return f"{_(SECTION_LABELS[head])} › {role_label(rest[0])} › {label(rest[1])}"
    words = [_(SECTION_LABELS[head]) if head in SECTION_LABELS else label(head)]
    return " › ".join(words + [label(part) for part in rest])


def value_text(value: str | None) -> str:
    return {None: fmt.DASH, NONE: _("no cap"), YES: _("yes"), NO: _("no")}.get(value, value)


def version_line(row) -> str:
    text = _("Version {version} · saved {saved} by {author}").format(
        version=row.version, saved=fmt.moment(row.created_at), author=row.author
    )
    return f"{text} · {row.comment}" if row.comment else text


# --- reading the form back -------------------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA


def _whole(value):
    """A cell as int when it is whole; anything else goes to the policy as it is and is refused there."""
    if _missing(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _decimal_text(value) -> str | None:
    """A float cell as the exact decimal it shows (0.25, not 0.2500000000000000055…), without trailing zeros."""
    if _missing(value):
        return None
    return format(Decimal(repr(float(value))).normalize(), "f")


def class_rows(edited: pd.DataFrame) -> list[dict]:
    rows = []
    for r in edited.to_dict("records"):
        for name in ("payment_terms_days", "review_months", "pd_percent"):
            if _missing(r[name]):
                raise FormError(
                    _("Risk class {cls}: “{column}” is empty.").format(cls=r["risk_class"], column=label(name))
                )
        rows.append(
            {
                "risk_class": r["risk_class"],
                "payment_terms_days": _whole(r["payment_terms_days"]),
                "max_credit_limit": _decimal_text(r["max_credit_limit"]),
                "review_months": _whole(r["review_months"]),
                "prepayment_required": bool(r["prepayment_required"]),
                "insurance_required": bool(r["insurance_required"]),
                "pd_percent": _decimal_text(r["pd_percent"]),
            }
        )
    return rows


def matrix_rows(edited: pd.DataFrame) -> list[dict]:
    rows = []
    for r in edited.to_dict("records"):
        role = None if _missing(r["role"]) else str(r["role"]).strip()
        if not role and _missing(r["up_to"]):
            continue  # an added row left empty
        if not role:
            raise FormError(_("Approval matrix: every level needs a role."))
        rows.append({"role": role, "up_to": _decimal_text(r["up_to"])})
    return rows


def ladder_rows(edited: pd.DataFrame) -> list[dict]:
    """A dunning-ladder editor's rows as policy JSON, in the order shown."""
    rows = []
    for _i, r in edited.iterrows():
        if _missing(r["kind"]) or _missing(r["days_after"]) or _missing(r["deadline_days"]):
            raise FormError(_("Every dunning step needs its kind, its days after and its deadline."))
        rows.append(
            {
                "kind": str(r["kind"]),
                "days_after": _whole(r["days_after"]),
                "after": str(r["after"] or "previous"),
                "deadline_days": _whole(r["deadline_days"]),
                "fee": _decimal_text(0 if _missing(r["fee"]) else r["fee"]) or "0",
            }
        )
    return rows


def band_rows(edited: pd.DataFrame) -> list[dict]:
    """The score-band editor's rows as policy JSON (highest lower bound first)."""
    rows = []
    for _i, r in edited.iterrows():
        if _missing(r["lower"]):
            raise FormError(_("Every score band needs its lower bound (0–100)."))
        rows.append({"lower": _whole(r["lower"]), "risk_class": str(r["risk_class"]), "label": str(r["label"] or "")})
    return sorted(rows, key=lambda b: -b["lower"])


def edited_policy(base: Policy, values: dict) -> Policy:
    """The policy the form describes: the active one with the edited sections replaced."""
    d = base.to_dict()
    d["risk_classes"] = class_rows(values["classes"])
    d["approval_matrix"] = matrix_rows(values["matrix"])
    d["alerts"] = values["alerts"]
    d["bucket_edges"] = [p.strip() for p in values["edges"].split(",") if p.strip()]
    d["kpi_window_days"] = values["kpi_window_days"]
    d["ledger_freshness_days"] = values["ledger_freshness_days"]
    d["trend"] = values["trend"]
    d["lgd_percent"] = _decimal_text(values["lgd_percent"])
    d["risk_rules"] = values["rules"]
    d["dunning"] = [
        {"country": country, "currency": currency, "steps": ladder_rows(frame)}
        for country, (currency, frame) in values["ladders"].items()
    ]
    d["bureau"]["score_bands"] = band_rows(values["bands"])
    d["limit_validity_months"] = values["limit_validity_months"]
    return Policy.from_dict(d)


def whole_input(name: str, value: int, key: str, min_value: int = 0) -> int:
    return st.number_input(label(name), min_value=min(min_value, value), value=value, step=1, key=key)


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


# --- page ----------------------------------------------------------------------------------------------------

st.title(_("Credit policy"))
show_flash()

policy = cache.policy()
history = cache.policy_history()
active = history[0] if history else None
status = cache.status()
currency = status.company.base_currency

if active is None:
    st.caption(_("Built-in defaults (never saved)"))
else:
    st.caption(md(version_line(active)))

# A new active version (saved here, restored, or saved elsewhere) refills the form from it and is the one
# whose changes the history shows.
refilled = False  # True when someone else's version replaced what this form was showing
if st.session_state.get(FORM_VERSION) != (active.version if active else 0):
    refilled = FORM_VERSION in st.session_state
    for key in [k for k in st.session_state if str(k).startswith(FORM) or k == PICK]:
        del st.session_state[key]
    st.session_state[FORM_VERSION] = active.version if active else 0

# --- edit form ---------------------------------------------------------------------------------------------
st.subheader(_("Edit"))
with st.form("policy_form"):
    st.markdown("**" + _("Risk classes") + "**")
    classes_frame = pd.DataFrame(
        [
            {
                "risk_class": t.risk_class,
                "payment_terms_days": t.payment_terms_days,
                "max_credit_limit": None if t.max_credit_limit is None else float(t.max_credit_limit),
                "review_months": t.review_months,
                "prepayment_required": t.prepayment_required,
                "insurance_required": t.insurance_required,
                "pd_percent": float(t.pd_percent),
            }
            for t in policy.risk_classes
        ]
    ).astype({"max_credit_limit": "float64"})
    classes = st.data_editor(
        classes_frame,
        key=f"{FORM}classes",
        hide_index=True,
        num_rows="fixed",
        disabled=["risk_class"],
        column_config={
            "risk_class": st.column_config.TextColumn(_("Class"), width="small"),
            "payment_terms_days": st.column_config.NumberColumn(
                label("payment_terms_days"), min_value=0, step=1, format="%d"
            ),
            "max_credit_limit": st.column_config.NumberColumn(
                f"{label('max_credit_limit')} ({currency})",
                min_value=0,
                step=0.01,
                format="localized",
                help=_("Empty: no cap."),
            ),
            "review_months": st.column_config.NumberColumn(label("review_months"), min_value=1, step=1, format="%d"),
            "prepayment_required": st.column_config.CheckboxColumn(label("prepayment_required")),
            "insurance_required": st.column_config.CheckboxColumn(label("insurance_required")),
            "pd_percent": st.column_config.NumberColumn(
                label("pd_percent"),
                min_value=0.0,
                max_value=100.0,
                step=0.01,
                help=_("The 12-month probability of default assumed for the class when the bureau gives none."),
            ),
        },
    )

    st.markdown("**" + _("Approval matrix") + "**")
    roles = list(dict.fromkeys([*ROLES, *(lv.role for lv in policy.approval_matrix)]))
    matrix = st.data_editor(
        pd.DataFrame(
            [{"role": lv.role, "up_to": None if lv.up_to is None else float(lv.up_to)} for lv in policy.approval_matrix]
        ).astype({"up_to": "float64"}),
        key=f"{FORM}matrix",
        hide_index=True,
        num_rows="dynamic",
        column_config={
            "role": st.column_config.SelectboxColumn(_("Role"), options=roles, format_func=role_label, required=True),
            "up_to": st.column_config.NumberColumn(
                f"{label('up_to')} ({currency})",
                min_value=0,
                step=0.01,
                format="localized",
                help=_("The largest credit limit the role may grant. Empty: no cap (only the last level)."),
            ),
        },
    )
    st.caption(_("From the lowest level to the highest; the caps must increase and only the last may be empty."))

    st.markdown("**" + _("Class rules") + "**")
    st.caption(
        _(
            "How our class moves from the bureau's: each rule moves the customer this many classes towards E "
            "(0 switches it off); a severe register event puts it in E."
        )
    )
    rules: dict = {}
    rule_fields = [f for f in fields(RiskRules) if f.name not in ("severe_events", "role_events")]
    columns = st.columns(4)
    for i, f in enumerate(rule_fields):
        with columns[i % 4]:
            value = getattr(policy.risk_rules, f.name)
            if isinstance(value, Decimal):
                rules[f.name] = _decimal_text(
                    st.number_input(label(f.name), 0.0, 100.0, float(value), 1.0, key=f"{FORM}rule_{f.name}")
                )
            else:
                rules[f.name] = whole_input(f.name, value, f"{FORM}rule_{f.name}")
    known = list(
        dict.fromkeys([*messages.EVENT_LABELS, *policy.risk_rules.severe_events, *policy.risk_rules.role_events])
    )
    c1, c2 = st.columns(2)
    rules["severe_events"] = c1.multiselect(
        label("severe_events"),
        known,
        default=list(policy.risk_rules.severe_events),
        format_func=messages.event_label,
        key=f"{FORM}rule_severe_events",
    )
    rules["role_events"] = c2.multiselect(
        label("role_events"),
        known,
        default=list(policy.risk_rules.role_events),
        format_func=messages.event_label,
        key=f"{FORM}rule_role_events",
    )
    st.caption(
        _("Bureau score bands (0–100, higher is better) and the class each maps to. Source: {source}").format(
            source=policy.bureau.score_source
        )
    )
    bands = st.data_editor(
        pd.DataFrame(
            {
                "lower": [b.lower for b in policy.bureau.score_bands],
                "risk_class": [b.risk_class for b in policy.bureau.score_bands],
                "label": [b.label for b in policy.bureau.score_bands],
            }
        ),
        hide_index=True,
        num_rows="dynamic",
        key=f"{FORM}bands",
        column_config={
            "lower": st.column_config.NumberColumn(_("From score"), min_value=0, max_value=100, step=1),
            "risk_class": st.column_config.SelectboxColumn(_("Class"), options=list(CLASSES), required=True),
            "label": st.column_config.TextColumn(_("Bureau's label")),
        },
    )

    st.markdown("**" + _("Alerts") + "**")
    alerts: dict = {}
    alert_fields = [f.name for f in fields(AlertThresholds) if f.name != "credit_hold_events"]
    columns = st.columns(3)
    for i, name in enumerate(alert_fields):
        with columns[i % 3]:
            value = getattr(policy.alerts, name)
            if name == "auto_credit_hold":
                alerts[name] = int(st.checkbox(label(name), value=bool(value), key=f"{FORM}alert_{name}"))
            elif isinstance(value, str) and value in CLASSES:
                alerts[name] = st.selectbox(label(name), CLASSES, index=CLASSES.index(value), key=f"{FORM}alert_{name}")
            elif isinstance(value, str):
                alerts[name] = st.text_input(label(name), value=value, key=f"{FORM}alert_{name}")
            else:
                alerts[name] = whole_input(name, value, f"{FORM}alert_{name}")
    events = list(dict.fromkeys([*messages.EVENT_LABELS, *policy.alerts.credit_hold_events]))
    alerts["credit_hold_events"] = st.multiselect(
        label("credit_hold_events"),
        events,
        default=list(policy.alerts.credit_hold_events),
        format_func=messages.event_label,
        key=f"{FORM}alert_credit_hold_events",
        help=_("A register event of these kinds raises a credit-hold alert."),
    )

    st.markdown("**" + _("Receivables") + "**")
    c1, c2, c3 = st.columns(3)
    with c1:
        edges = st.text_input(
            label("bucket_edges"),
            value=", ".join(str(e) for e in policy.bucket_edges),
            key=f"{FORM}edges",
            help=_("Comma-separated upper bounds in days, increasing, e.g. 30, 60, 90, 120."),
        )
    with c2:
        kpi_window_days = whole_input("kpi_window_days", policy.kpi_window_days, f"{FORM}kpi_window_days", 1)
    with c3:
        ledger_freshness_days = whole_input(
            "ledger_freshness_days", policy.ledger_freshness_days, f"{FORM}ledger_freshness_days"
        )
    st.caption(_("Payment trend: when a customer counts as paying later than before."))
    trend: dict = {}
    columns = st.columns(4)
    for i, f in enumerate(fields(TrendRule)):
        with columns[i % 4]:
            trend[f.name] = whole_input(f.name, getattr(policy.trend, f.name), f"{FORM}trend_{f.name}")

    st.markdown("**" + _("Dunning ladders") + "**")
    st.caption(
        _(
            "Per country: each step's timing (days after the due date, or after the previous step was sent), the "
            "payment deadline it gives and its fee in the country's currency. Saving checks every ladder against "
            "the law of its country and names the rule a step breaks."
        )
    )
    ladders: dict = {}
    for tab, ladder in zip(st.tabs([lad.country for lad in policy.dunning]), policy.dunning, strict=True):
        with tab:
            ladders[ladder.country] = (
                ladder.currency,
                st.data_editor(
                    pd.DataFrame(
                        {
                            "kind": [s.kind for s in ladder.steps],
                            "days_after": [s.days_after for s in ladder.steps],
                            "after": [s.after for s in ladder.steps],
                            "deadline_days": [s.deadline_days for s in ladder.steps],
                            "fee": [float(s.fee) for s in ladder.steps],
                        }
                    ),
                    hide_index=True,
                    num_rows="dynamic",
                    key=f"{FORM}ladder_{ladder.country}",
                    column_config={
                        "kind": st.column_config.SelectboxColumn(_("Step"), options=list(STEP_KINDS), required=True),
                        "days_after": st.column_config.NumberColumn(_("Days after"), min_value=0, step=1),
                        "after": st.column_config.SelectboxColumn(
                            _("After"), options=["due", "previous"], required=True
                        ),
                        "deadline_days": st.column_config.NumberColumn(_("Deadline (days)"), min_value=0, step=1),
                        "fee": st.column_config.NumberColumn(
                            _("Fee ({currency})").format(currency=ladder.currency), min_value=0.0, format="%.2f"
                        ),
                    },
                ),
            )

    st.markdown("**" + _("Expected loss") + "**")
    c1, c2 = st.columns(2)
    with c1:
        lgd_percent = st.number_input(
            label("lgd_percent"),
            min_value=0.0,
            max_value=100.0,
            value=float(policy.lgd_percent),
            step=0.5,
            key=f"{FORM}lgd_percent",
        )
    with c2:
        limit_validity_months = whole_input(
            "limit_validity_months", policy.limit_validity_months, f"{FORM}limit_validity_months", 1
        )

    comment = st.text_input(
        _("Comment (required)"), key=f"{FORM}comment", placeholder=_("What changed, and why"), max_chars=500
    )
    submitted = st.form_submit_button(
        _("Save as a new version"), type="primary", icon=":material/save:", key="policy_save"
    )

if submitted and refilled and active is not None:
    st.warning(
        _(
            "Not saved: {author} saved version {version} while you were editing. The form now shows that version; "
            "make your changes again."
        ).format(author=md(active.author), version=active.version),
        icon=":material/sync_problem:",
    )
elif submitted:
    actor = acting_user()
    try:
        if not actor.name:
            raise FormError(_("Enter your name under “Acting as” in the sidebar: every version records who saved it."))
        if not (comment or "").strip():
            raise FormError(_("Write a comment: what changed, and why."))
        new_policy = edited_policy(
            policy,
            {
                "classes": classes,
                "matrix": matrix,
                "alerts": alerts,
                "edges": edges or "",
                "kpi_window_days": kpi_window_days,
                "ledger_freshness_days": ledger_freshness_days,
                "trend": trend,
                "lgd_percent": lgd_percent,
                "limit_validity_months": limit_validity_months,
                "rules": rules,
                "bands": bands,
                "ladders": ladders,
            },
        )
        version = cache.save_policy_version(new_policy, actor.name, comment, st.session_state.get(FORM_VERSION))
    except FormError as exc:
        st.error(md(exc), icon=":material/error:")
    except PolicyUnchanged:
        st.warning(_("Nothing changed: the form holds the active policy. Nothing was saved."), icon=":material/info:")
    except (PolicyError, ValueError) as exc:
        st.error(_("Not saved: {error}").format(error=md(exc)), icon=":material/error:")
    else:
        st.session_state[FLASH] = _("Saved as version {version}.").format(version=version)
        st.rerun()

# --- history -------------------------------------------------------------------------------------------------
st.subheader(_("History"))
if not history:
    st.info(
        _("No version saved yet: the built-in defaults apply. Saving the form creates version 1."),
        icon=":material/history:",
    )
else:
    st.dataframe(
        pd.DataFrame(
            {
                _("Version"): [h.version for h in history],
                _("Saved"): [fmt.moment(h.created_at) for h in history],
                _("Author"): [h.author for h in history],
                _("Comment"): [h.comment or "" for h in history],
            }
        ),
        hide_index=True,
        height=min(36 * (len(history) + 1) + 3, 300),
    )
    by_version = {h.version: h for h in history}
    picked = st.selectbox(
        _("Show what a version changed"),
        list(by_version),
        format_func=lambda v: version_line(by_version[v]),
        key=PICK,
    )
    older = [h.version for h in history if h.version < picked]
    previous = older[0] if older else None
    changes = diff_policies(
        cache.policy_at_version(previous) if previous else Policy(), cache.policy_at_version(picked)
    )
    st.caption(
        _("Version {version} compared with version {previous}").format(version=picked, previous=previous)
        if previous
        else _("Version {version} compared with the built-in defaults").format(version=picked)
    )
    if changes:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Setting"): [setting_label(c.path) for c in changes],
                    _("Before"): [value_text(c.old) for c in changes],
                    _("After"): [value_text(c.new) for c in changes],
                }
            ),
            hide_index=True,
        )
    else:
        st.info(_("This version changed nothing."), icon=":material/info:")

    if picked == active.version:
        st.caption(_("This is the active version."))
    elif st.button(_("Restore this version"), icon=":material/restore:", key="policy_restore"):
        actor = acting_user()
        try:
            if not actor.name:
                raise FormError(
                    _("Enter your name under “Acting as” in the sidebar: every version records who saved it.")
                )
            restored = cache.restore_policy_version(picked, actor.name)
        except FormError as exc:
            st.error(md(exc), icon=":material/error:")
        except PolicyUnchanged:
            st.warning(
                _("Nothing changed: version {version} is the same as the active policy.").format(version=picked),
                icon=":material/info:",
            )
        except (LookupError, ValueError) as exc:
            st.error(_("Not restored: {error}").format(error=md(exc)), icon=":material/error:")
        else:
            st.session_state[FLASH] = _("Restored version {old} as version {new}.").format(old=picked, new=restored)
            st.rerun()

# --- download --------------------------------------------------------------------------------------------------
st.subheader(_("Download"))
company = status.company.name or fmt.DASH
pdf_version = active.version if active else None
stem = f"credit_policy_v{pdf_version}" if pdf_version else "credit_policy_defaults"
row = st.container(horizontal=True, gap="small")
for lang, text in (("en", _("Credit policy (PDF, English)")), ("nb", _("Credit policy (PDF, norsk)"))):
    row.download_button(
        text,
        # built on the click, not on every run of the page
        data=partial(cache.policy_pdf, pdf_version, lang, company, currency),
        file_name=f"{stem}_{lang}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
        key=f"policy_pdf_{lang}",
    )
st.caption(_("The active policy as a document for the board and the bank."))
