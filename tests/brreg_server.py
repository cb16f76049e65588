"""A local stand-in for the Enhetsregisteret API on 127.0.0.1 (stdlib http.server in a thread), serving fixtures in
the documented shapes (shared/reference/domain_rules.md §5.1), with scripted failures: 404, 410, 429 with
Retry-After, 5xx then 200, a slow answer, malformed JSON. Every request is logged so tests can count them.

    with BrregServer() as srv:
        srv.units["912345688"] = unit("912345688", konkurs=True, konkursdato="2025-08-03")
        srv.script("/enheter/912345688", Reply(500), Reply(500))  # two failures, then the fixture
        client = BrregClient(srv.base_url, sleep=waits.append)
"""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/enhetsregisteret/api"


@dataclass
class Reply:
    """A scripted answer. `body` bytes are sent as they are (for malformed JSON); a dict or list is JSON."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (to make the client time out)


def unit(orgnr: str, name: str = "EKSEMPEL HANDEL AS", **fields: Any) -> dict[str, Any]:
    """The documented example unit (§5.1), healthy: no konkurs, no avvikling; `fields` override or add keys, and a
    value None removes the key (the register omits empty fields)."""
    body: dict[str, Any] = {
        "organisasjonsnummer": orgnr,
        "navn": name,
        "organisasjonsform": {
            "kode": "AS",
            "beskrivelse": "Aksjeselskap",
            "_links": {"self": {"href": "https://data.brreg.no/enhetsregisteret/api/organisasjonsformer/AS"}},
        },
        "hjemmeside": "www.eksempel.no",
        "postadresse": {
            "land": "Norge",
            "landkode": "NO",
            "postnummer": "7010",
            "poststed": "TRONDHEIM",
            "adresse": ["Postboks 123"],
            "kommune": "TRONDHEIM",
            "kommunenummer": "5001",
        },
        "registreringsdatoEnhetsregisteret": "2011-03-02",
        "registrertIMvaregisteret": True,
        "naeringskode1": {"kode": "46.900", "beskrivelse": "Uspesifisert engroshandel"},
        "harRegistrertAntallAnsatte": True,
        "antallAnsatte": 23,
        "forretningsadresse": {
            "land": "Norge",
            "landkode": "NO",
            "postnummer": "7010",
            "poststed": "TRONDHEIM",
            "adresse": ["Arbeidsveien 1"],
            "kommune": "TRONDHEIM",
            "kommunenummer": "5001",
        },
        "stiftelsesdato": "2011-02-20",
        "institusjonellSektorkode": {"kode": "2100", "beskrivelse": "Private aksjeselskaper mv."},
        "registrertIForetaksregisteret": True,
        "registrertIStiftelsesregisteret": False,
        "registrertIFrivillighetsregisteret": False,
        "sisteInnsendteAarsregnskap": "2024",
        "konkurs": False,
        "underAvvikling": False,
        "underTvangsavviklingEllerTvangsopplosning": False,
        "maalform": "Bokmål",
        "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}},
    }
    for k, v in fields.items():
        if v is None:
            body.pop(k, None)
        else:
            body[k] = v
    return body


def person(first: str, last: str, born: str, middle: str | None = None) -> dict[str, Any]:
    navn = {"fornavn": first, "etternavn": last}
    if middle:
        navn["mellomnavn"] = middle
    return {"fodselsdato": born, "navn": navn, "erDoed": False}


def roles(
    orgnr: str,
    ceo: dict[str, Any] | None = None,
    chair: dict[str, Any] | None = None,
    changed: str = "2024-05-01",
    former_ceo: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The documented roles shape (§5.1): DAGL, STYR with LEDE and a member, REVI held by a unit. `former_ceo` is
    listed with fratraadt=true (and must not count as the CEO)."""
    ceo = ceo if ceo is not None else person("Kari", "Nordmann", "1975-04-12")
    chair = chair if chair is not None else person("Ola", "Hansen", "1960-09-30", middle="K.")
    dagl_type = {"kode": "DAGL", "beskrivelse": "Daglig leder/ adm.direktør"}
    dagl = [{"type": dagl_type, "person": ceo, "fratraadt": False, "avregistrert": False, "rekkefolge": 0}]
    if former_ceo is not None:
        dagl.append(
            {"type": dagl_type, "person": former_ceo, "fratraadt": True, "avregistrert": False, "rekkefolge": 1}
        )
    return {
        "rollegrupper": [
            {"type": dagl_type, "sistEndret": changed, "roller": dagl},
            {
                "type": {"kode": "STYR", "beskrivelse": "Styre"},
                "sistEndret": changed,
                "roller": [
                    {
                        "type": {"kode": "LEDE", "beskrivelse": "Styrets leder"},
                        "person": chair,
                        "fratraadt": False,
                        "avregistrert": False,
                        "rekkefolge": 0,
                    },
                    {
                        "type": {"kode": "MEDL", "beskrivelse": "Styremedlem"},
                        "person": person("Per", "Berg", "1970-01-01"),
                        "fratraadt": False,
                        "avregistrert": False,
                        "rekkefolge": 1,
                    },
                ],
            },
            {
                "type": {"kode": "REVI", "beskrivelse": "Revisor"},
                "sistEndret": "2023-06-15",
                "roller": [
                    {
                        "type": {"kode": "REVI", "beskrivelse": "Revisor"},
                        "enhet": {
                            "organisasjonsnummer": "922222223",
                            "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
                            "navn": ["EKSEMPEL REVISJON AS"],
                            "erSlettet": False,
                        },
                        "fratraadt": False,
                        "avregistrert": False,
                        "rekkefolge": 0,
                    }
                ],
            },
        ],
        "_links": {"enhet": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}},
    }


def update(update_id: int, orgnr: str, published: str, change: str = "Endring") -> dict[str, Any]:
    """One change-feed entry (§5.1 shape)."""
    return {
        "oppdateringsid": update_id,
        "dato": published,
        "organisasjonsnummer": orgnr,
        "endringstype": change,
        "_links": {"enhet": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}},
    }


class BrregServer:
    """Fixtures: `units` and `roles` by orgnr, `gone` (orgnrs answering 410), `feed` (entries as `update()`
    builds them). `script(path, *replies)` makes the next requests of that path (without query) answer with the
    replies in order before falling back to the fixtures. `log` holds every request's path and query."""

    def __init__(self) -> None:
        self.units: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.gone: set[str] = set()
        self.feed: list[dict[str, Any]] = []
        self.log: list[str] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{PREFIX}"

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts.setdefault(path, []).extend(replies)

    def requests(self, path: str) -> int:
        """How many requests named this path (query ignored)."""
        return sum(1 for p in self.log if p.split("?")[0] == path)

    def __enter__(self) -> BrregServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- answering

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(h.path)
        path = url.path[len(PREFIX) :] if url.path.startswith(PREFIX) else url.path
        with self._lock:
            self.log.append(path + (f"?{url.query}" if url.query else ""))
            queue = self._scripts.get(path)
            reply = queue.pop(0) if queue else None
        if reply is None:
            reply = self._fixture(path, urllib.parse.parse_qs(url.query))
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body
        if body is None:
            body = {"status": reply.status, "error": _REASONS.get(reply.status, "Error"), "path": PREFIX + path}
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", "application/json;charset=UTF-8")
            h.send_header("Content-Length", str(len(raw)))
            for k, v in reply.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            pass

    def _fixture(self, path: str, query: dict[str, list[str]]) -> Reply:
        parts = path.strip("/").split("/")
        if parts[:1] == ["enheter"] and len(parts) in (2, 3):
            orgnr = parts[1]
            if orgnr in self.gone:
                return Reply(410)
            if len(parts) == 2 and orgnr in self.units:
                return Reply(200, copy.deepcopy(self.units[orgnr]))
            if len(parts) == 3 and parts[2] == "roller" and orgnr in self.roles:
                return Reply(200, copy.deepcopy(self.roles[orgnr]))
            return Reply(404)
        if parts == ["oppdateringer", "enheter"]:
            return Reply(200, self._feed_page(query))
        return Reply(404)

    def _feed_page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """From and including `oppdateringsid` (or published from `dato`), in id order, at most `size`; as the
        real API (Spring HAL) it leaves `_embedded` out when nothing matches."""
        size = int(query.get("size", ["20"])[0])
        entries = sorted(self.feed, key=lambda e: e["oppdateringsid"])
        if "oppdateringsid" in query:
            first = int(query["oppdateringsid"][0])
            entries = [e for e in entries if e["oppdateringsid"] >= first]
        elif "dato" in query:
            entries = [e for e in entries if e["dato"] >= query["dato"][0]]
        page = entries[:size]
        out: dict[str, Any] = {
            "_links": {"self": {"href": "..."}},
            "page": {"size": size, "totalElements": len(entries), "totalPages": -(-len(entries) // size), "number": 0},
        }
        if page:
            out["_embedded"] = {"oppdaterteEnheter": page}
        return out


_REASONS = {404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Unavailable"}
