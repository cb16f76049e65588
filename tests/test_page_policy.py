"""The Policy page through AppTest on a fresh live database: edit and save as a new version, refusals that store
nothing, the history with what a version changed, restore as a new version, and the PDF downloads."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal

import pdfplumber
import pytest
from apptest import demo_mode, run_page
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from data_access.engine import make_engine
from data_access.policy_store import policy_at_version, policy_history, save_policy_version
from domain.policy import Policy

PAGE = "pages/policy.py"
NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


@pytest.fixture
def live_url(tmp_path, monkeypatch) -> str:
    """An empty, migrated live database (no demo data, no policy version) that the app under test reads."""
    from data_access.bootstrap import ensure_ready

    url = f"sqlite:///{tmp_path}/live.db"
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    engine.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def read(url: str, fn, *args):
    """Run a data_access function in a connection of the test's own (not the app's)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args)
    finally:
        engine.dispose()


def with_terms(policy: Policy, risk_class: str, days: int) -> Policy:
    return replace(
        policy,
        risk_classes=tuple(
            replace(t, payment_terms_days=days) if t.risk_class == risk_class else t for t in policy.risk_classes
        ),
    )


def save(at: AppTest, comment: str, class_edits: dict | None = None, edges: str | None = None) -> AppTest:
    """Fill the form (cell edits of the risk-class table, bucket edges, comment) and press Save."""
    at.session_state["pf_classes"] = {**NO_EDITS, "edited_rows": class_edits or {}}
    if edges is not None:
        at.text_input(key="pf_edges").input(edges)
    at.text_input(key="pf_comment").input(comment)
    return at.button(key="policy_save").click().run()


def diff_table(at: AppTest) -> list[tuple[str, str, str]]:
    found = [d.value for d in at.dataframe if list(d.value.columns) == ["Setting", "Before", "After"]]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return [tuple(r) for r in found[0].itertuples(index=False)]


def test_renders_the_built_in_defaults(live_url):
    at = run_page(PAGE, user_name="Kari")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Credit policy"]
    assert "Built-in defaults (never saved)" in [c.value for c in at.caption]
    classes = at.data_editor[0].value
    assert list(classes["risk_class"]) == ["A", "B", "C", "D", "E"]
    assert list(classes["payment_terms_days"]) == [30, 30, 20, 14, 0]
    assert list(classes["pd_percent"]) == [0.25, 0.75, 3.0, 8.0, 25.0]
    assert at.data_editor[0].editing_mode == "fixed"
    matrix = at.data_editor[1].value
    assert list(matrix["role"]) == ["credit_manager", "cfo", "board"]
    assert list(matrix["up_to"][:2]) == [500000.0, 5000000.0] and matrix["up_to"].isna().iloc[2]
    assert at.text_input(key="pf_edges").value == "30, 60, 90, 120"
    assert at.number_input(key="pf_alert_overdue_days").value == 60
    assert at.multiselect(key="pf_alert_credit_hold_events").value == [
        "bankruptcy",
        "bankruptcy_petition",
        "liquidation",
        "forced_dissolution",
        "deleted",
    ]
    assert any("No version saved yet" in i.value for i in at.info)
    assert [b.label for b in at.get("download_button")] == [
        "Credit policy (PDF, English)",
        "Credit policy (PDF, norsk)",
    ]


def test_renders_in_norwegian(live_url):
    at = run_page(PAGE, lang="nb", user_name="Kari")
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Kredittpolicy"]
    assert "Innebygde standardverdier (aldri lagret)" in [c.value for c in at.caption]


def test_editing_class_c_terms_and_saving_creates_version_1(live_url):
    at = run_page(PAGE, user_name="Kari")
    at = save(at, "Shorter terms for class C", {2: {"payment_terms_days": 15}})
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Saved as version 1."]
    assert not at.error and not at.warning
    [row] = read(live_url, policy_history)
    assert (row.version, row.author, row.comment) == (1, "Kari", "Shorter terms for class C")
    stored = read(live_url, policy_at_version, 1)
    assert stored.terms("C").payment_terms_days == 15
    assert stored == with_terms(Policy(), "C", 15)  # nothing else moved on its way through the form
    # the page now shows version 1: the line on top, the form refilled from it, the history and its change
    assert any(
        c.value.startswith("Version 1 · saved ") and c.value.endswith(" by Kari · Shorter terms for class C")
        for c in at.caption
    )
    assert list(at.data_editor[0].value["payment_terms_days"]) == [30, 30, 15, 14, 0]
    assert at.text_input(key="pf_comment").value == ""
    assert diff_table(at) == [("Risk class C › Payment terms (days)", "20", "15")]
    assert any("compared with the built-in defaults" in c.value for c in at.caption)


def test_saving_without_a_name_is_refused_and_nothing_is_stored(live_url):
    demo_mode(live_url)  # "Acting as" applies only in demo mode; signed in, the account names who acts
    at = run_page(PAGE)  # nobody under "Acting as"
    at = save(at, "Shorter terms for class C", {2: {"payment_terms_days": 15}})
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "Enter your name under “Acting as” in the sidebar" in at.error[0].value
    assert not at.success
    assert read(live_url, policy_history) == []


@pytest.mark.parametrize(
    ("edges", "class_edits", "message"),
    [
        ("60, 30", {}, "Not saved: invalid policy: bucket edges must be strictly increasing: 60 then 30"),
        ("30, 6o", {}, "Not saved: invalid policy: '6o' is not a whole number"),
        ("30, 60", {2: {"payment_terms_days": None}}, "Risk class C: “Payment terms (days)” is empty."),
        (
            "30, 60",
            {4: {"review_months": 0}},
            "Not saved: invalid policy: class E: terms must be >= 0 days and reviews",
        ),
    ],
)
def test_an_invalid_value_shows_the_error_and_nothing_is_stored(live_url, edges, class_edits, message):
    at = run_page(PAGE, user_name="Kari")
    at = save(at, "Try", class_edits, edges=edges)
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith(message), at.error[0].value
    assert read(live_url, policy_history) == []
    assert at.text_input(key="pf_edges").value == edges  # kept for a fix


def test_an_unchanged_policy_or_a_missing_comment_is_not_saved(live_url):
    at = run_page(PAGE, user_name="Kari")
    at = save(at, "Nothing really")
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == ["Nothing changed: the form holds the active policy. Nothing was saved."]
    at = save(at, "  ", {2: {"payment_terms_days": 15}})
    assert [e.value for e in at.error] == ["Write a comment: what changed, and why."]
    assert read(live_url, policy_history) == []


def test_restoring_version_1_after_version_2_creates_version_3(live_url):
    at = run_page(PAGE, user_name="Kari")
    at = save(at, "C at 15 days", {2: {"payment_terms_days": 15}})
    at = save(at, "A 45-day bucket", edges="30, 45, 60, 90, 120")
    assert [s.value for s in at.success] == ["Saved as version 2."]
    v1, v2 = read(live_url, policy_at_version, 1), read(live_url, policy_at_version, 2)
    assert v2 == replace(v1, bucket_edges=(30, 45, 60, 90, 120))
    assert diff_table(at) == [("Bucket edges (days)", "30, 60, 90, 120", "30, 45, 60, 90, 120")]
    assert "policy_restore" not in [b.key for b in at.button]  # version 2 is the active one

    at.selectbox(key="policy_pick").set_value(1).run()
    assert diff_table(at) == [("Risk class C › Payment terms (days)", "20", "15")]
    at.button(key="policy_restore").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Restored version 1 as version 3."]
    history = read(live_url, policy_history)
    assert [(h.version, h.author, h.comment) for h in history] == [
        (3, "Kari", "Restored version 1"),
        (2, "Kari", "A 45-day bucket"),
        (1, "Kari", "C at 15 days"),
    ]
    assert read(live_url, policy_at_version, 3) == v1
    assert read(live_url, policy_at_version, 1) == v1 and read(live_url, policy_at_version, 2) == v2
    assert at.text_input(key="pf_edges").value == "30, 60, 90, 120"  # the form shows the restored policy
    # version 3 compared with version 2: the bucket change undone
    assert diff_table(at) == [("Bucket edges (days)", "30, 45, 60, 90, 120", "30, 60, 90, 120")]

    at.selectbox(key="policy_pick").set_value(1).run()  # the same policy as version 3 now
    at.button(key="policy_restore").click().run()
    assert [w.value for w in at.warning] == ["Nothing changed: version 1 is the same as the active policy."]
    assert len(read(live_url, policy_history)) == 3


def test_restore_needs_a_name(live_url):
    demo_mode(live_url)  # "Acting as" applies only in demo mode; signed in, the account names who acts
    at = run_page(PAGE, user_name="Kari")
    at = save(at, "C at 15 days", {2: {"payment_terms_days": 15}})
    at = save(at, "A 45-day bucket", edges="30, 45, 60, 90, 120")
    at.text_input(key="user_name").input("").run()
    at.selectbox(key="policy_pick").set_value(1).run()
    at.button(key="policy_restore").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "Acting as" in at.error[0].value
    assert [h.version for h in read(live_url, policy_history)] == [2, 1]


def test_a_version_saved_elsewhere_meanwhile_is_not_overwritten(live_url):
    at = run_page(PAGE, user_name="Kari")
    engine = make_engine(live_url)
    with engine.begin() as conn:
        save_policy_version(conn, replace(Policy(), kpi_window_days=60), "Ola", "KPI window 60 days")
    engine.dispose()
    at = save(at, "Shorter terms for class C", {2: {"payment_terms_days": 15}})
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [
        "Not saved: Ola saved version 1 while you were editing. The form now shows that version; "
        "make your changes again."
    ]
    assert [h.author for h in read(live_url, policy_history)] == ["Ola"]
    assert at.number_input(key="pf_kpi_window_days").value == 60
    assert list(at.data_editor[0].value["payment_terms_days"]) == [30, 30, 20, 14, 0]


def test_the_active_version_offers_no_restore(live_url):
    at = run_page(PAGE, user_name="Kari")
    at = save(at, "C at 15 days", {2: {"payment_terms_days": 15}})
    assert "policy_restore" not in [b.key for b in at.button]
    assert "This is the active version." in [c.value for c in at.caption]


@pytest.fixture
def deferred(monkeypatch) -> dict[str, object]:
    """The callables of deferred download buttons, by file name (built only when the user clicks)."""
    seen: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_pdf_downloads_are_built_on_click_from_the_active_version(live_url, deferred):
    at = run_page(PAGE, user_name="Kari")
    assert sorted(deferred) == ["credit_policy_defaults_en.pdf", "credit_policy_defaults_nb.pdf"]
    at = save(at, "Shorter terms for class C", {2: {"payment_terms_days": 15}})
    assert {"credit_policy_v1_en.pdf", "credit_policy_v1_nb.pdf"} <= set(deferred)
    en = deferred["credit_policy_v1_en.pdf"]()
    nb = deferred["credit_policy_v1_nb.pdf"]()
    assert en.startswith(b"%PDF") and nb.startswith(b"%PDF")
    en_text, nb_text = pdf_text(en), pdf_text(nb)
    assert "Credit policy" in en_text and "Kredittpolicy" in nb_text
    for text in (en_text, nb_text):
        assert "Kari" in text and "Shorter terms for class C" in text


def test_class_rules_and_score_bands_are_editable(live_url):
    at = run_page(PAGE, user_name="Kari")
    at.number_input(key="pf_rule_remark_notches").set_value(2)
    at.number_input(key="pf_rule_high_overdue_share").set_value(60.0)
    at.session_state["pf_bands"] = {**NO_EDITS, "edited_rows": {2: {"lower": 35}}}
    at = save(at, "Remarks weigh more; class C from score 35")
    assert not at.exception and not at.error, at.error
    stored = read(live_url, policy_at_version, 1)
    assert stored.risk_rules.remark_notches == 2
    assert stored.risk_rules.high_overdue_share == Decimal(60)
    assert [(b.lower, b.risk_class) for b in stored.bureau.score_bands] == [
        (71, "A"),
        (51, "B"),
        (35, "C"),
        (21, "D"),
        (0, "E"),
    ]
    assert stored.risk_classes == Policy().risk_classes  # nothing else moved
    paths = [r[0] for r in diff_table(at)]
    assert "Risk rules › Payment remarks: classes down" in paths


def test_score_bands_that_do_not_reach_zero_are_refused(live_url):
    at = run_page(PAGE, user_name="Kari")
    at.session_state["pf_bands"] = {**NO_EDITS, "edited_rows": {4: {"lower": 5}}}
    at = save(at, "bad bands")
    assert at.error and "score bands must run from the highest lower bound down to 0" in at.error[0].value
    assert read(live_url, policy_history) == []


def test_a_dunning_ladder_that_breaks_the_law_is_refused_citing_the_rule(live_url):
    at = run_page(PAGE, user_name="Kari")
    # Norway's first step is the reminder, 14 days after due: make it 10 days, with a fee
    at.session_state["pf_ladder_NO"] = {**NO_EDITS, "edited_rows": {0: {"days_after": 10}}}
    at = save(at, "earlier reminder")
    assert at.error and "inkassoforskriften § 1-2" in at.error[0].value
    assert read(live_url, policy_history) == []


def test_a_lawful_ladder_change_is_saved(live_url):
    at = run_page(PAGE, user_name="Kari")
    # Denmark: a lower reminder fee is always lawful
    at.session_state["pf_ladder_DK"] = {**NO_EDITS, "edited_rows": {0: {"fee": 50.0}}}
    at = save(at, "friendlier first reminder in Denmark")
    assert not at.error, at.error
    stored = read(live_url, policy_at_version, 1)
    assert stored.ladder("DK").steps[0].fee == Decimal("50")
    assert diff_table(at) == [("Dunning ladder DK › Step 1 › Fee", "100.00", "50")]
