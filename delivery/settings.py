"""Digest delivery settings from the [smtp] and [digest] sections of .streamlit/secrets.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_access import engine as _engine


class DigestConfigError(ValueError):
    """A [smtp] or [digest] value in secrets.toml that cannot be used; the message names the key."""


@dataclass(frozen=True, kw_only=True)  # kw_only: `port` has a default but `sender` does not
class SmtpSettings:
    host: str
    port: int = 25
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line, traceback or error message
    starttls: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class DigestSettings:
    smtp: SmtpSettings | None = None
    recipients: dict[str, str] = field(default_factory=dict)  # assignee name -> e-mail address
    default_recipient: str | None = None
    webhook_url: str | None = field(default=None, repr=False)  # incoming-webhook URLs carry their secret in the path


SMTP_KEYS = ("host", "port", "sender", "username", "password", "starttls", "timeout")
DIGEST_KEYS = ("recipients", "default_recipient", "webhook_url")


def _string(section: dict[str, Any], name: str, key: str, *, required: bool = False) -> str | None:
    value = section.get(key)
    if value is None:
        if required:
            raise DigestConfigError(f"{name}.{key} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise DigestConfigError(f"{name}.{key} must be a non-empty string, got {value!r}")
    return value.strip()


def _address(value: Any, key: str) -> str:
    # Deliberately loose: the SMTP server is the judge of an address; this only catches obvious slips.
    if not isinstance(value, str) or value.count("@") != 1 or value.strip() != value or " " in value:
        raise DigestConfigError(f"{key} must be an e-mail address like name@example.com, got {value!r}")
    local, domain = value.split("@")
    if not local or not domain:
        raise DigestConfigError(f"{key} must be an e-mail address like name@example.com, got {value!r}")
    return value


def _unknown(section: dict[str, Any], name: str, known: tuple[str, ...]) -> None:
    # A misspelt key would otherwise be ignored silently and the digest would go nowhere.
    for key in section:
        if key not in known:
            raise DigestConfigError(f"unknown key {name}.{key} (known: {', '.join(known)})")


def _table(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    section = data.get(name)
    if section is None:
        return None
    if not isinstance(section, dict):
        raise DigestConfigError(f"[{name}] must be a table, got {section!r}")
    return section


def _smtp(section: dict[str, Any]) -> SmtpSettings:
    _unknown(section, "smtp", SMTP_KEYS)
    port = section.get("port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise DigestConfigError(f"smtp.port must be a whole number from 1 to 65535, got {port!r}")
    starttls = section.get("starttls", False)
    if not isinstance(starttls, bool):
        raise DigestConfigError(f"smtp.starttls must be true or false, got {starttls!r}")
    timeout = section.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise DigestConfigError(f"smtp.timeout must be a positive number of seconds, got {timeout!r}")
    username = _string(section, "smtp", "username")
    password = section.get("password")
    if password is not None and not isinstance(password, str):
        raise DigestConfigError("smtp.password must be a string")
    if (username is None) != (password is None):
        raise DigestConfigError("smtp.username and smtp.password must be given together")
    host = _string(section, "smtp", "host", required=True)
    sender = _string(section, "smtp", "sender", required=True)
    assert host is not None and sender is not None  # required=True never returns None
    return SmtpSettings(
        host=host,
        port=port,
        sender=_address(sender, "smtp.sender"),
        username=username,
        password=password,
        starttls=starttls,
        timeout=float(timeout),
    )


def _digest(section: dict[str, Any]) -> tuple[dict[str, str], str | None, str | None]:
    _unknown(section, "digest", DIGEST_KEYS)
    raw = section.get("recipients", {})
    if not isinstance(raw, dict):
        raise DigestConfigError(f'digest.recipients must be a table of assignee = "address", got {raw!r}')
    # Keys are matched against alert assignees, which compose() strips too.
    recipients = {str(name).strip(): _address(addr, f"digest.recipients.{name}") for name, addr in raw.items()}
    default = section.get("default_recipient")
    if default is not None:
        default = _address(default, "digest.default_recipient")
    url = _string(section, "digest", "webhook_url")
    if url is not None and not url.startswith(("https://", "http://")):
        raise DigestConfigError("digest.webhook_url must start with https:// (or http://)")
    return recipients, default, url


def load_digest_settings(path: Path | None = None) -> DigestSettings:
    """The [smtp] and [digest] settings; no file, or no sections, gives empty settings (nothing is sent)."""
    path = path or _engine.SECRETS_PATH  # read at call time so tests can point it elsewhere
    if not path.is_file():
        return DigestSettings()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DigestConfigError(f"{path} is not valid TOML: {exc}") from None
    smtp_section = _table(data, "smtp")
    digest_section = _table(data, "digest")
    smtp = _smtp(smtp_section) if smtp_section is not None else None
    recipients, default, url = _digest(digest_section) if digest_section is not None else ({}, None, None)
    return DigestSettings(smtp=smtp, recipients=recipients, default_recipient=default, webhook_url=url)
