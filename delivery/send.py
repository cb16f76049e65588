"""Send the digest: one SMTP connection for all e-mails, one JSON POST to the chat webhook; failures are reported."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import formatdate, make_msgid
from typing import IO, Any
from urllib.parse import urlsplit

from delivery.settings import DigestSettings, SmtpSettings
from domain.digest import UNASSIGNED_LABEL, DigestMessage

WEBHOOK_TIMEOUT = 10.0


@dataclass(frozen=True)
class DeliveryReport:
    emails_sent: int
    webhook_posted: bool
    skipped: tuple[str, ...]
    errors: tuple[str, ...]


def _who(message: DigestMessage) -> str:
    return message.assignee if message.assignee is not None else UNASSIGNED_LABEL.lower()


def recipient_for(message: DigestMessage, settings: DigestSettings) -> str | None:
    """The assignee's own address, else the default recipient, else None."""
    if message.assignee is not None and message.assignee in settings.recipients:
        return settings.recipients[message.assignee]
    return settings.default_recipient


def _email(message: DigestMessage, sender: str, to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    mail.set_content(message.text)
    return mail


def _reply(exc: BaseException) -> str:
    """The server's reply in an SMTP exception, as 'code text', or the exception's own words."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {_code_text(code, text)}" for addr, (code, text) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return _code_text(exc.smtp_code, exc.smtp_error)
    return str(exc) or type(exc).__name__


def _code_text(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {words}".strip()


def _open(smtp: SmtpSettings) -> smtplib.SMTP:
    conn = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.starttls:
            conn.starttls(context=ssl.create_default_context())
            conn.ehlo()
        if smtp.username is not None and smtp.password is not None:
            conn.login(smtp.username, smtp.password)
    except BaseException:
        conn.close()
        raise
    return conn


def _send_emails(outgoing: list[tuple[DigestMessage, str]], smtp: SmtpSettings, errors: list[str]) -> int:
    where = f"SMTP {smtp.host}:{smtp.port}"
    try:
        conn = _open(smtp)
    except (OSError, smtplib.SMTPException) as exc:  # socket errors, TLS errors, refused login
        errors.append(f"{where}: could not connect or log in: {_reply(exc)}; no e-mail sent")
        return 0
    sent = 0
    try:
        for i, (message, to) in enumerate(outgoing):
            try:
                conn.send_message(_email(message, smtp.sender, to))
                sent += 1
            except smtplib.SMTPServerDisconnected as exc:
                rest = ", ".join(_who(m) for m, _ in outgoing[i:])
                errors.append(f"{where}: server disconnected ({_reply(exc)}); not sent: {rest}")
                return sent
            except (OSError, smtplib.SMTPException) as exc:
                # One refused recipient should not cost everybody else their digest.
                errors.append(f"{where}: digest for {_who(message)} to {to} refused: {_reply(exc)}")
    finally:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()  # the messages are already accepted; a failed goodbye changes nothing
    return sent


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would turn a redirected POST into a GET without the body; report the redirect instead."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Message, newurl: str
    ) -> None:
        return None


def _site(url: str) -> str:
    # Incoming-webhook URLs carry their secret in the path, so errors name only the scheme and host.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _post_webhook(url: str, payload: dict[str, Any], errors: list[str]) -> bool:
    where = f"webhook {_site(url)}"
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            status, reason = response.status, response.reason
    except urllib.error.HTTPError as exc:
        try:  # Slack and Teams say what was wrong in the body ("invalid_payload", "no_text")
            detail = exc.read(300).decode("utf-8", "replace").strip()
        except OSError:
            detail = ""
        errors.append(f"{where}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else ""))
        return False
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, TLS, timeout
        reason_text = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        errors.append(f"{where}: could not post: {reason_text}")
        return False
    if not 200 <= status < 300:
        errors.append(f"{where}: HTTP {status} {reason}")
        return False
    return True


def deliver(
    messages: Sequence[DigestMessage], settings: DigestSettings, webhook: dict[str, Any] | None
) -> DeliveryReport:
    """E-mail each message to its assignee (or the default recipient) and post `webhook` if one is given.

    Nothing raises for a delivery problem: what could not be sent is in `errors`, what had nowhere to go
    in `skipped`."""
    skipped: list[str] = []
    errors: list[str] = []
    outgoing: list[tuple[DigestMessage, str]] = []
    for message in messages:
        to = recipient_for(message, settings)
        if to is None:
            skipped.append(f"digest for {_who(message)}: no address in digest.recipients and no default_recipient")
        elif settings.smtp is None:
            skipped.append(f"digest for {_who(message)} to {to}: no [smtp] settings")
        else:
            outgoing.append((message, to))

    sent = _send_emails(outgoing, settings.smtp, errors) if outgoing and settings.smtp is not None else 0

    posted = False
    if webhook is not None:
        if settings.webhook_url is None:
            skipped.append("webhook: no digest.webhook_url")
        else:
            posted = _post_webhook(settings.webhook_url, webhook, errors)
    return DeliveryReport(sent, posted, tuple(skipped), tuple(errors))
