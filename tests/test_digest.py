"""The alert digest: composition (domain/digest.py), settings (delivery/settings.py) and delivery to a real
local SMTP server (aiosmtpd) and a real local HTTP server (delivery/send.py)."""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from data_access import engine as engine_mod
from delivery.send import DeliveryReport, deliver
from delivery.settings import DigestConfigError, DigestSettings, SmtpSettings, load_digest_settings
from domain.digest import DigestAlert, DigestMessage, compose, webhook_payload

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 23)
COMPANY = "Demo Kreditt AS"


def alert(
    id: int,
    severity: str = "medium",
    *,
    since: date = date(2026, 11, 1),
    raised_on: date = date(2026, 11, 20),
    assignee: str | None = "Kari",
    status: str = "open",
    ref: str | None = None,
) -> DigestAlert:
    return DigestAlert(
        id=id,
        customer_ref=ref or f"C{id:03d}",
        customer_name=f"Kunde {id} AS",
        type="overdue",
        severity=severity,
        since=since,
        raised_on=raised_on,
        message=f"Overdue alert {id}",
        recommendation="call_customer",
        status=status,
        assignee=assignee,
    )


def ids(alerts: tuple[DigestAlert, ...]) -> list[int]:
    return [a.id for a in alerts]


# --- compose --------------------------------------------------------------------------------------------


# (case, alerts, expected [(assignee, new ids, still-open ids)])
COMPOSE_CASES = [
    ("empty input", [], []),
    ("only closed", [alert(1, status="closed"), alert(2, raised_on=AS_OF, status="closed")], []),
    (
        "new by raised_on == as_of, the rest still open",
        [alert(1, raised_on=AS_OF), alert(2, raised_on=date(2026, 11, 22)), alert(3, raised_on=date(2026, 1, 2))],
        [("Kari", [1], [2, 3])],
    ),
    (
        "grouped per assignee, sorted by name, unassigned last",
        [alert(1, assignee=None), alert(2, assignee="Ola"), alert(3, assignee="kari b"), alert(4, assignee="Kari")],
        [("Kari", [], [4]), ("kari b", [], [3]), ("Ola", [], [2]), (None, [], [1])],
    ),
    (
        "blank assignee counts as unassigned",
        [alert(1, assignee="  "), alert(2, assignee=None, raised_on=AS_OF)],
        [(None, [2], [1])],
    ),
    (
        "high before medium before low, then oldest since, then customer ref",
        [
            alert(1, "low", since=date(2026, 1, 1)),
            alert(2, "medium", since=date(2026, 6, 1), ref="B"),
            alert(3, "high", since=date(2026, 9, 1)),
            alert(4, "medium", since=date(2026, 6, 1), ref="A"),
            alert(5, "medium", since=date(2026, 5, 31)),
            alert(6, "high", since=date(2026, 8, 31)),
        ],
        [("Kari", [], [6, 3, 5, 4, 2, 1])],
    ),
    (
        "closed ignored, acknowledged kept",
        [alert(1, status="closed"), alert(2, status="acknowledged"), alert(3, assignee="Ola", status="closed")],
        [("Kari", [], [2])],
    ),
    ("raised after as_of did not exist yet", [alert(1, raised_on=date(2026, 11, 24))], []),
]


@pytest.mark.parametrize(("alerts", "expected"), [c[1:] for c in COMPOSE_CASES], ids=[c[0] for c in COMPOSE_CASES])
def test_compose_groups_and_orders(alerts, expected):
    messages = compose(alerts, AS_OF, COMPANY)
    assert [(m.assignee, ids(m.new), ids(m.still_open)) for m in messages] == expected


@pytest.mark.parametrize(
    ("n_new", "n_open", "subject"),
    [
        (3, 5, "Kredittvakt: 3 new, 5 open alerts – 23.11.2026 – Demo Kreditt AS"),
        (0, 1, "Kredittvakt: 0 new, 1 open alert – 23.11.2026 – Demo Kreditt AS"),
        (1, 0, "Kredittvakt: 1 new, 0 open alert – 23.11.2026 – Demo Kreditt AS"),
        (2, 0, "Kredittvakt: 2 new, 0 open alerts – 23.11.2026 – Demo Kreditt AS"),
    ],
)
def test_subject_counts(n_new, n_open, subject):
    alerts = [alert(i, raised_on=AS_OF) for i in range(n_new)] + [alert(100 + i) for i in range(n_open)]
    [message] = compose(alerts, AS_OF, COMPANY)
    assert message.subject == subject


def test_subject_without_a_company_name():
    [message] = compose([alert(1)], AS_OF, "")
    assert message.subject == "Kredittvakt: 0 new, 1 open alert – 23.11.2026"


def test_text_lists_new_and_still_open_lines():
    alerts = [
        alert(1, "high", raised_on=AS_OF, since=date(2026, 11, 23)),
        alert(2, "low", since=date(2026, 10, 5), status="acknowledged"),
        alert(3, "high", since=date(2026, 9, 30)),
    ]
    [message] = compose(alerts, AS_OF, COMPANY)
    assert message.text.splitlines() == [
        "Kredittvakt: 1 new, 2 open alerts – 23.11.2026 – Demo Kreditt AS",
        "Assignee: Kari",
        "",
        "New (1)",
        "- [HIGH] C001 Kunde 1 AS: Overdue alert 1 → call_customer (since 23.11.2026)",
        "",
        "Still open (2)",
        "- [HIGH] C003 Kunde 3 AS: Overdue alert 3 → call_customer (since 30.09.2026)",
        "- [LOW] C002 Kunde 2 AS: Overdue alert 2 → call_customer (since 05.10.2026, acknowledged)",
    ]


def test_empty_section_says_none_and_unassigned_is_named():
    [message] = compose([alert(1, assignee=None)], AS_OF, COMPANY)
    lines = message.text.splitlines()
    assert lines[1] == "Assignee: Unassigned"
    assert lines[3:5] == ["New (0)", "- none"]


def test_unknown_severity_is_a_clear_error():
    with pytest.raises(ValueError, match=r"alert 7: severity 'urgent' is not one of high, medium, low"):
        compose([alert(7, "urgent")], AS_OF, COMPANY)


def test_webhook_payload_sums_all_assignees():
    messages = compose(
        [alert(1, "high", raised_on=AS_OF), alert(2), alert(3, assignee=None, since=date(2026, 2, 1))], AS_OF, COMPANY
    )
    assert webhook_payload(messages, AS_OF, COMPANY) == {
        "text": "\n".join(
            [
                "Kredittvakt: 1 new, 2 open alerts – 23.11.2026 – Demo Kreditt AS",
                "",
                "Kari: 1 new, 1 open",
                "- NEW [HIGH] C001 Kunde 1 AS: Overdue alert 1 → call_customer (since 01.11.2026)",
                "- [MEDIUM] C002 Kunde 2 AS: Overdue alert 2 → call_customer (since 01.11.2026)",
                "",
                "Unassigned: 0 new, 1 open",
                "- [MEDIUM] C003 Kunde 3 AS: Overdue alert 3 → call_customer (since 01.02.2026)",
            ]
        )
    }
    assert webhook_payload([], AS_OF, COMPANY) == {
        "text": "Kredittvakt: 0 new, 0 open alerts – 23.11.2026 – Demo Kreditt AS"
    }


# --- settings -------------------------------------------------------------------------------------------

GOOD_TOML = """
[connections.kredittvakt]
url = "sqlite:///x.db"

[smtp]
host = "mail.example.no"
port = 587
sender = "kredittvakt@example.no"
username = "kv"
password = "s3cret"
starttls = true
timeout = 5

[digest]
default_recipient = "kreditt@example.no"
webhook_url = "https://hooks.slack.com/services/T0/B0/abc"

[digest.recipients]
"Kari Nordmann" = "kari@example.no"
Ola = "ola@example.no"
"""


def test_settings_from_a_good_file(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(GOOD_TOML)
    assert load_digest_settings(path) == DigestSettings(
        smtp=SmtpSettings(
            host="mail.example.no",
            port=587,
            sender="kredittvakt@example.no",
            username="kv",
            password="s3cret",
            starttls=True,
            timeout=5.0,
        ),
        recipients={"Kari Nordmann": "kari@example.no", "Ola": "ola@example.no"},
        default_recipient="kreditt@example.no",
        webhook_url="https://hooks.slack.com/services/T0/B0/abc",
    )


def test_settings_defaults_and_sections_on_their_own(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[smtp]\nhost = "localhost"\nsender = "kv@localhost.test"\n')
    assert load_digest_settings(path) == DigestSettings(smtp=SmtpSettings(host="localhost", sender="kv@localhost.test"))
    assert load_digest_settings(path).smtp == SmtpSettings(
        host="localhost", port=25, sender="kv@localhost.test", starttls=False, timeout=10.0
    )
    path.write_text('[digest]\nwebhook_url = "https://example.org/hook"\n')
    assert load_digest_settings(path) == DigestSettings(webhook_url="https://example.org/hook")


def test_missing_file_gives_empty_settings(tmp_path, monkeypatch):
    assert load_digest_settings(tmp_path / "nope.toml") == DigestSettings(None, {}, None, None)
    monkeypatch.setattr(engine_mod, "SECRETS_PATH", tmp_path / "secrets.toml")  # the default path
    assert load_digest_settings() == DigestSettings()
    (tmp_path / "secrets.toml").write_text('[smtp]\nhost = "h"\nsender = "a@b.c"\n')
    assert load_digest_settings().smtp == SmtpSettings(host="h", sender="a@b.c")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\nport = "587"\n', "smtp.port must be a whole number"),
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\nport = 70000\n', "smtp.port must be a whole number"),
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\nport = true\n', "smtp.port must be a whole number"),
        ('[smtp]\nsender = "a@b.c"\n', "smtp.host is required"),
        ('[smtp]\nhost = "h"\n', "smtp.sender is required"),
        ('[smtp]\nhost = "h"\nsender = "not-an-address"\n', "smtp.sender must be an e-mail address"),
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\nstarttls = "yes"\n', "smtp.starttls must be true or false"),
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\ntimeout = 0\n', "smtp.timeout must be a positive number"),
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\nusername = "u"\n', "smtp.username and smtp.password"),
        ('[smtp]\nhost = "h"\nsender = "a@b.c"\nprot = 25\n', "unknown key smtp.prot"),
        ('[digest]\ndefault_recipient = "kreditt"\n', "digest.default_recipient must be an e-mail address"),
        ('[digest.recipients]\nKari = "kari at example.no"\n', "digest.recipients.Kari must be an e-mail address"),
        ('[digest]\nrecipients = ["a@b.c"]\n', "digest.recipients must be a table"),
        ('[digest]\nwebhook_url = "hooks.slack.com/x"\n', "digest.webhook_url must start with https://"),
        ("smtp = 1\n", r"\[smtp\] must be a table"),
        ('[smtp\nhost = "h"\n', "is not valid TOML"),
    ],
)
def test_malformed_settings_name_the_key(tmp_path, toml, message):
    path = tmp_path / "secrets.toml"
    path.write_text(toml)
    with pytest.raises(DigestConfigError, match=message):
        load_digest_settings(path)


def test_the_example_secrets_file_documents_every_key_and_loads(tmp_path):
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text()
    # The digest sections are commented out in the example; uncomment lines that are TOML, not prose.
    uncommented = re.sub(r'(?m)^# (?=\[|[\w"][^=\n]*= )', "", example)
    path = tmp_path / "secrets.toml"
    path.write_text(uncommented)
    settings = load_digest_settings(path)
    assert settings.smtp is not None and settings.smtp.starttls is True and settings.smtp.username is not None
    assert settings.recipients and settings.default_recipient and settings.webhook_url


# --- delivery: a real SMTP server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"kv", b"s3cret")
    return AuthResult(success=ok, handled=False)  # not handled: the server replies 535 itself


@pytest.fixture
def smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def settings_for(port: int, **digest) -> DigestSettings:
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="kredittvakt@example.no", timeout=5)
    return DigestSettings(smtp=smtp, **digest)


def three_messages() -> list[DigestMessage]:
    alerts = [
        alert(1, "high", raised_on=AS_OF, assignee="Kari"),
        alert(2, "low", assignee="Kari"),
        alert(3, "medium", assignee="Ola"),
        alert(4, "medium", assignee=None),
    ]
    messages = compose(alerts, AS_OF, COMPANY)
    assert [m.assignee for m in messages] == ["Kari", "Ola", None]
    return messages


def test_one_email_per_assignee_with_the_default_recipient(smtp_server):
    handler, port = smtp_server
    messages = three_messages()
    settings = settings_for(port, recipients={"Kari": "kari@example.no"}, default_recipient="kreditt@example.no")
    report = deliver(messages, settings, None)
    assert report == DeliveryReport(emails_sent=3, webhook_posted=False, skipped=(), errors=())

    assert [(r.mail_from, r.rcpt_tos) for r in handler.received] == [
        ("kredittvakt@example.no", ["kari@example.no"]),
        ("kredittvakt@example.no", ["kreditt@example.no"]),  # Ola has no address of his own
        ("kredittvakt@example.no", ["kreditt@example.no"]),  # unassigned
    ]
    kari = handler.received[0].message
    assert kari["Subject"] == "Kredittvakt: 1 new, 1 open alerts – 23.11.2026 – Demo Kreditt AS"
    assert kari["To"] == "kari@example.no" and kari["From"] == "kredittvakt@example.no"
    body = kari.get_content().splitlines()
    assert "- [HIGH] C001 Kunde 1 AS: Overdue alert 1 → call_customer (since 01.11.2026)" in body
    assert "- [LOW] C002 Kunde 2 AS: Overdue alert 2 → call_customer (since 01.11.2026)" in body
    assert body.index("New (1)") < body.index("Still open (1)")
    assert handler.received[1].message["Subject"] == "Kredittvakt: 0 new, 1 open alert – 23.11.2026 – Demo Kreditt AS"
    assert "Assignee: Unassigned" in handler.received[2].message.get_content()


def test_no_address_and_no_default_is_skipped_not_an_error(smtp_server):
    handler, port = smtp_server
    report = deliver(three_messages(), settings_for(port, recipients={"Ola": "ola@example.no"}), None)
    assert report.emails_sent == 1
    assert report.errors == ()
    assert report.skipped == (
        "digest for Kari: no address in digest.recipients and no default_recipient",
        "digest for unassigned: no address in digest.recipients and no default_recipient",
    )
    assert [r.rcpt_tos for r in handler.received] == [["ola@example.no"]]


def test_login_when_configured(smtp_server):
    handler, port = smtp_server
    settings = settings_for(port, default_recipient="kreditt@example.no")
    good = replace(settings, smtp=replace(settings.smtp, username="kv", password="s3cret"))
    assert deliver(three_messages(), good, None).emails_sent == 3

    bad = replace(settings, smtp=replace(settings.smtp, username="kv", password="wrong"))
    report = deliver(three_messages(), bad, None)
    assert report.emails_sent == 0
    [error] = report.errors
    assert error.startswith(f"SMTP 127.0.0.1:{port}: could not connect or log in: 535")
    assert "no e-mail sent" in error
    assert len(handler.received) == 3  # only the good run's


def test_starttls_against_a_server_without_it_is_an_error(smtp_server):
    _handler, port = smtp_server
    settings = settings_for(port, default_recipient="kreditt@example.no")
    tls = replace(settings, smtp=replace(settings.smtp, starttls=True))
    report = deliver(three_messages(), tls, None)
    assert report.emails_sent == 0
    assert report.errors == (
        f"SMTP 127.0.0.1:{port}: could not connect or log in: STARTTLS extension not supported by server."
        "; no e-mail sent",
    )


def test_a_refused_recipient_does_not_stop_the_others(smtp_server):
    handler, port = smtp_server
    handler.refuse = {"kari@example.no"}
    settings = settings_for(port, recipients={"Kari": "kari@example.no"}, default_recipient="kreditt@example.no")
    report = deliver(three_messages(), settings, None)
    assert report.emails_sent == 2
    assert report.errors == (
        f"SMTP 127.0.0.1:{port}: digest for Kari to kari@example.no refused: "
        "kari@example.no: 550 5.1.1 No such user here",
    )
    assert [r.rcpt_tos for r in handler.received] == [["kreditt@example.no"], ["kreditt@example.no"]]


def test_a_refused_smtp_port_is_an_error_entry():
    port = free_port()  # bound and released: nothing listens there
    report = deliver(three_messages(), settings_for(port, default_recipient="kreditt@example.no"), None)
    assert report.emails_sent == 0 and report.webhook_posted is False and report.skipped == ()
    [error] = report.errors
    assert error.startswith(f"SMTP 127.0.0.1:{port}: could not connect or log in: ")
    assert "Connection refused" in error
    assert "Traceback" not in error


def test_without_smtp_settings_nothing_is_sent_and_it_says_why():
    settings = DigestSettings(smtp=None, default_recipient="kreditt@example.no")
    report = deliver(three_messages()[:1], settings, None)
    assert report == DeliveryReport(0, False, ("digest for Kari to kreditt@example.no: no [smtp] settings",), ())


# --- delivery: a real HTTP server for the webhook ---------------------------------------------------------


@dataclass
class HookState:
    status: int = 200
    body: bytes = b"ok"
    location: str | None = None
    requests: list[tuple[str, str, str, dict]] = field(default_factory=list)  # (method, path, content type, json)


@pytest.fixture
def hook_server() -> Iterator[tuple[HookState, str]]:
    state = HookState()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.command, self.path, self.headers["Content-Type"], json.loads(raw)))
            self.send_response(state.status)
            if state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format, *args):  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_webhook_is_posted_as_json(hook_server):
    state, base = hook_server
    messages = three_messages()
    payload = webhook_payload(messages, AS_OF, COMPANY)
    settings = DigestSettings(webhook_url=f"{base}/services/T0/B0/secret-token")
    report = deliver(messages, settings, payload)
    assert report.webhook_posted is True and report.errors == ()
    assert report.emails_sent == 0  # no [smtp]: the three e-mails are skipped, the post still goes
    assert len(report.skipped) == 3
    [(method, path, content_type, body)] = state.requests
    assert (method, path, content_type) == ("POST", "/services/T0/B0/secret-token", "application/json; charset=utf-8")
    assert body == payload
    assert body["text"].startswith("Kredittvakt: 1 new, 3 open alerts – 23.11.2026 – Demo Kreditt AS\n")
    assert "→ call_customer" in body["text"]


def test_a_failing_webhook_is_an_error_entry_without_the_secret(hook_server):
    state, base = hook_server
    state.status, state.body = 500, b"invalid_payload"
    settings = DigestSettings(webhook_url=f"{base}/services/T0/B0/secret-token")
    report = deliver([], settings, {"text": "x"})
    assert report == DeliveryReport(0, False, (), (f"webhook {base}: HTTP 500 Internal Server Error: invalid_payload",))
    assert "secret-token" not in report.errors[0]


def test_a_redirected_webhook_is_reported_not_followed(hook_server):
    state, base = hook_server
    state.status, state.body, state.location = 302, b"", f"{base}/elsewhere"
    report = deliver([], DigestSettings(webhook_url=f"{base}/hook"), {"text": "x"})
    assert report.webhook_posted is False
    assert report.errors == (f"webhook {base}: HTTP 302 Found",)
    assert [r[1] for r in state.requests] == ["/hook"]  # not re-sent as a GET to /elsewhere


def test_an_unreachable_webhook_is_an_error_entry():
    base = f"http://127.0.0.1:{free_port()}"
    report = deliver([], DigestSettings(webhook_url=f"{base}/hook"), {"text": "x"})
    assert report.webhook_posted is False
    [error] = report.errors
    assert error.startswith(f"webhook {base}: could not post: ") and "Connection refused" in error


def test_webhook_without_a_url_is_skipped_and_none_means_no_post(hook_server):
    state, base = hook_server
    assert deliver([], DigestSettings(), {"text": "x"}) == DeliveryReport(
        0, False, ("webhook: no digest.webhook_url",), ()
    )
    assert deliver([], DigestSettings(webhook_url=f"{base}/hook"), None) == DeliveryReport(0, False, (), ())
    assert state.requests == []
