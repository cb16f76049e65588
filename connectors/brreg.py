"""HTTP client of the Enhetsregisteret open API (Brønnøysundregistrene): one unit, its roles and the change feed.

Standard library only (urllib). Timeouts, HTTP 429 (its Retry-After honoured) and 5xx are retried with exponential
backoff; 404 and 410 are answers, not errors (`Fetched.status` "not_found" / "deleted"); everything else that
leaves no usable answer (other statuses, malformed JSON, the retries used up) raises `BrregError` naming the
request and the reason, so a caller can record it for that one unit and carry on.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

DEFAULT_BASE_URL = "https://data.brreg.no/enhetsregisteret/api"
USER_AGENT = "Kredittvakt register monitor (+https://data.brreg.no/enhetsregisteret/api)"
_ORGNR = re.compile(r"^\d{9}$")

Status = Literal["ok", "not_found", "deleted"]


class BrregError(Exception):
    """The register gave no usable answer to one request (the message says which request and why)."""


@dataclass(frozen=True)
class Fetched:
    """One unit or its roles: `data` is the parsed JSON object when status is "ok", else None.

    "not_found" is HTTP 404 (no such unit; for roles also a sub-unit), "deleted" is HTTP 410 (the unit was
    removed, "fjernet")."""

    status: Status
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class Update:
    """One entry of the change feed /oppdateringer/enheter."""

    id: int  # oppdateringsid
    orgnr: str
    change: str  # endringstype: Ny, Endring, Sletting, Fjernet, Ukjent
    published: str | None  # dato, an ISO timestamp as the register writes it


@dataclass(frozen=True)
class UpdatePage:
    """Feed entries in id order and the cursor to ask for next (the last id + 1; the asked cursor when empty)."""

    entries: tuple[Update, ...]
    next_cursor: int | None


class BrregClient:
    """`sleep` is injectable so that tests do not wait; `requests` counts the HTTP requests sent (retries too)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0

    # --- the API

    def get_unit(self, orgnr: str) -> Fetched:
        """GET /enheter/{orgnr}: the main unit (Enhet)."""
        return self._fetch(f"/enheter/{_checked(orgnr)}")

    def get_roles(self, orgnr: str) -> Fetched:
        """GET /enheter/{orgnr}/roller: the role groups (DAGL, STYR with LEDE, ...)."""
        return self._fetch(f"/enheter/{_checked(orgnr)}/roller")

    def updates(self, since_id: int | None, size: int = 100, *, since: date | datetime | None = None) -> UpdatePage:
        """GET /oppdateringer/enheter: entries from and including update id `since_id` (or, without it, published
        from and including `since`), at most `size` of them."""
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        params: dict[str, str] = {"size": str(size)}
        if since_id is not None:
            params["oppdateringsid"] = str(since_id)
        elif since is not None:
            params["dato"] = _timestamp(since)
        path = "/oppdateringer/enheter?" + urllib.parse.urlencode(params)
        status, body = self._request(path)
        if status != 200:
            raise BrregError(f"GET {path}: HTTP {status} from the change feed")
        data = _json_object(path, body)
        raw = (data.get("_embedded") or {}).get("oppdaterteEnheter") or []
        if not isinstance(raw, list):
            raise BrregError(f"GET {path}: _embedded.oppdaterteEnheter is not a list")
        entries = []
        for i, e in enumerate(raw):
            try:
                entries.append(
                    Update(
                        id=int(e["oppdateringsid"]),
                        orgnr=str(e["organisasjonsnummer"]),
                        change=str(e.get("endringstype") or "Ukjent"),
                        published=e.get("dato"),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise BrregError(
                    f"GET {path}: entry {i} has no usable oppdateringsid/organisasjonsnummer ({exc!r})"
                ) from exc
        entries.sort(key=lambda u: u.id)
        next_cursor = entries[-1].id + 1 if entries else since_id
        return UpdatePage(tuple(entries), next_cursor)

    # --- transport

    def _fetch(self, path: str) -> Fetched:
        status, body = self._request(path)
        if status == 404:
            return Fetched("not_found")
        if status == 410:
            return Fetched("deleted")
        if status != 200:
            raise BrregError(f"GET {path}: unexpected HTTP {status}")
        return Fetched("ok", _json_object(path, body))

    def _request(self, path: str) -> tuple[int, bytes]:
        """Status and body; retries timeouts, 429 and 5xx up to `max_retries` times."""
        url = self.base_url + path
        req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        attempt = 0
        while True:
            wait = self.backoff * 2**attempt
            self.requests += 1
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                body = exc.read()
                status = exc.code
                if status != 429 and status < 500:
                    return status, body
                if status == 429:
                    wait = _retry_after(exc.headers.get("Retry-After"), wait)
                reason = f"HTTP {status}"
            except (TimeoutError, ConnectionResetError, http.client.RemoteDisconnected) as exc:
                reason = f"no answer within {self.timeout:g} s" if isinstance(exc, TimeoutError) else repr(exc)
            except urllib.error.URLError as exc:
                if not isinstance(exc.reason, TimeoutError):
                    raise BrregError(f"GET {path}: cannot reach {self.base_url} ({exc.reason})") from exc
                reason = f"no answer within {self.timeout:g} s"
            if attempt >= self.max_retries:
                raise BrregError(f"GET {path}: {reason}, still after {self.max_retries} retries")
            self.sleep(min(wait, self.max_wait))
            attempt += 1


def _checked(orgnr: str) -> str:
    if not _ORGNR.match(orgnr or ""):
        raise BrregError(f"'{orgnr}' is not a Norwegian organisation number (9 digits)")
    return orgnr


def _timestamp(since: date | datetime) -> str:
    if isinstance(since, datetime):
        stamp = since.astimezone(UTC) if since.tzinfo else since
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return f"{since.isoformat()}T00:00:00.000Z"


def _json_object(path: str, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BrregError(f"GET {path}: the answer is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise BrregError(f"GET {path}: the answer is JSON but not an object (got {type(data).__name__})")
    return data


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); the backoff when absent or unreadable."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
