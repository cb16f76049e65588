"""The Enhetsregisteret connector against a local stand-in of the API (tests/brreg_server.py; never the internet):
the HTTP client's retries and answers, the pure reading of units and roles, and the sync on SQLite and PostgreSQL
(enrichment, every event type, idempotent reruns, CEO and chair changes, 410, 404, malformed JSON, the cursor)."""

from __future__ import annotations

from datetime import date

import pytest
from brreg_server import BrregServer, Reply, person, roles, unit, update
from ledger import ready_engine
from sqlalchemy import delete, insert, select

from connectors.brreg import BrregClient, BrregError, Fetched
from data_access.brreg import CURSOR_KEY, register_profile, register_state, sync_all, sync_customer
from data_access.ledger import data_version, get_setting, set_setting
from data_access.schema import CompanyEvent, Customer, Setting
from domain.brreg import RegisterDataError, address_line, nace_class, profile, sync_outcome

TODAY = date(2026, 10, 31)
# MOD11-valid Norwegian organisation numbers (weights 3,2,7,6,5,4,3,2 on the first eight digits)
ORG_A = "912345688"
ORG_B = "910000004"
ORG_C = "910000012"
ORG_D = "910000020"
ORG_E = "910000039"
ORG_F = "910000047"


@pytest.fixture
def srv():
    with BrregServer() as s:
        yield s


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def client(srv, waits) -> BrregClient:
    return BrregClient(srv.base_url, timeout=2.0, sleep=waits.append)


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    yield e
    e.dispose()


def add_customer(conn, ref: str, org: str | None, country: str = "NO", industry: str | None = None) -> int:
    return conn.execute(
        insert(Customer)
        .values(customer_ref=ref, name=ref, org_number=org, country=country, currency="NOK", industry_code=industry)
        .returning(Customer.id)
    ).scalar_one()


def events(conn, customer_id: int | None = None) -> list[tuple]:
    q = select(CompanyEvent.customer_id, CompanyEvent.event_type, CompanyEvent.event_date, CompanyEvent.text).where(
        CompanyEvent.source == "brreg"
    )
    if customer_id is not None:
        q = q.where(CompanyEvent.customer_id == customer_id)
    return [tuple(r) for r in conn.execute(q.order_by(CompanyEvent.id))]


# --- the HTTP client ------------------------------------------------------------------------------------------


def test_client_answers_404_and_410_and_parses_a_unit(srv, client):
    srv.units[ORG_A] = unit(ORG_A)
    srv.gone.add(ORG_B)
    assert client.get_unit(ORG_A).data["navn"] == "EKSEMPEL HANDEL AS"
    assert client.get_unit(ORG_B) == Fetched("deleted")
    assert client.get_unit(ORG_C) == Fetched("not_found")
    assert client.get_roles(ORG_C) == Fetched("not_found")
    assert srv.log == [f"/enheter/{ORG_A}", f"/enheter/{ORG_B}", f"/enheter/{ORG_C}", f"/enheter/{ORG_C}/roller"]


def test_client_honours_retry_after_on_429(srv, client, waits):
    srv.units[ORG_A] = unit(ORG_A)
    srv.script(f"/enheter/{ORG_A}", Reply(429, headers={"Retry-After": "7"}))
    assert client.get_unit(ORG_A).status == "ok"
    assert waits == [7.0]  # the header's 7 s, not the 0.5 s backoff
    assert srv.requests(f"/enheter/{ORG_A}") == 2
    assert client.requests == 2


def test_client_backs_off_exponentially_on_5xx_and_gives_up_after_3_retries(srv, client, waits):
    srv.units[ORG_A] = unit(ORG_A)
    srv.script(f"/enheter/{ORG_A}", Reply(500), Reply(503))
    assert client.get_unit(ORG_A).status == "ok"
    assert waits == [0.5, 1.0]  # 0.5 * 2**0, 0.5 * 2**1
    assert srv.requests(f"/enheter/{ORG_A}") == 3

    waits.clear()
    srv.script(f"/enheter/{ORG_B}", Reply(500), Reply(500), Reply(502), Reply(500))
    with pytest.raises(BrregError, match=rf"GET /enheter/{ORG_B}: HTTP 500, still after 3 retries"):
        client.get_unit(ORG_B)
    assert waits == [0.5, 1.0, 2.0]
    assert srv.requests(f"/enheter/{ORG_B}") == 4  # the first try and 3 retries


def test_client_retries_a_timeout(srv, waits):
    srv.units[ORG_A] = unit(ORG_A)
    srv.script(f"/enheter/{ORG_A}", Reply(200, unit(ORG_A), delay=1.0))
    client = BrregClient(srv.base_url, timeout=0.2, sleep=waits.append)
    assert client.get_unit(ORG_A).status == "ok"
    assert waits == [0.5]
    assert srv.requests(f"/enheter/{ORG_A}") == 2


def test_client_rejects_malformed_json_and_a_bad_orgnr(srv, client):
    srv.script(f"/enheter/{ORG_A}", Reply(200, b'{"organisasjonsnummer": "912345688", "navn": '))
    with pytest.raises(BrregError, match=rf"GET /enheter/{ORG_A}: the answer is not valid JSON"):
        client.get_unit(ORG_A)
    srv.script(f"/enheter/{ORG_A}", Reply(200, [1, 2]))
    with pytest.raises(BrregError, match="JSON but not an object"):
        client.get_unit(ORG_A)
    with pytest.raises(BrregError, match=r"'12/\.\./x' is not a Norwegian organisation number"):
        client.get_unit("12/../x")
    assert srv.requests(f"/enheter/{ORG_A}") == 2  # malformed JSON is not retried


def test_client_reads_the_change_feed_with_a_cursor(srv, client):
    srv.feed = [update(i, ORG_A, f"2026-10-30T0{i - 100}:00:00.000Z") for i in (100, 101, 102)]
    page = client.updates(101, size=5)
    assert [u.id for u in page.entries] == [101, 102]
    assert page.next_cursor == 103  # last id + 1
    assert page.entries[0].change == "Endring" and page.entries[0].orgnr == ORG_A
    empty = client.updates(103, size=5)
    assert empty.entries == () and empty.next_cursor == 103
    first = client.updates(None, 1, since=date(2026, 10, 30))
    assert [u.id for u in first.entries] == [100]
    assert srv.log[-1] == "/oppdateringer/enheter?size=1&dato=2026-10-30T00%3A00%3A00.000Z"


# --- the pure part ----------------------------------------------------------------------------------------------


def test_profile_reads_the_documented_unit():
    p = profile(ORG_A, unit(ORG_A))
    assert (p.name, p.legal_form, p.legal_form_text) == ("EKSEMPEL HANDEL AS", "AS", "Aksjeselskap")
    assert (p.nace_code, p.industry_code) == ("46.900", "46.90")
    assert p.employees == 23
    assert p.address == "Arbeidsveien 1, 7010 TRONDHEIM"
    # no registered head count is "unknown", not 0
    assert profile(ORG_A, unit(ORG_A, harRegistrertAntallAnsatte=False, antallAnsatte=None)).employees is None
    assert profile(ORG_A, unit(ORG_A, naeringskode1=None)).industry_code is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("46.900", "46.90"), ("47.711", "47.71"), ("41.20", "41.20"), ("00.000", "00.00"), ("4690", None), (None, None)],
)
def test_nace_class(code, expected):
    assert nace_class(code) == expected


def test_address_line_adds_the_country_outside_norway():
    a = {"adresse": ["Storgatan 1", ""], "postnummer": "111 22", "poststed": "STOCKHOLM", "land": "Sverige"}
    assert address_line({**a, "landkode": "SE"}) == "Storgatan 1, 111 22 STOCKHOLM, Sverige"
    assert address_line(None) is None


def test_a_bad_register_date_names_the_field():
    with pytest.raises(RegisterDataError, match=r"912345688: konkursdato '03.08.2025' is not a date \(YYYY-MM-DD\)"):
        sync_outcome(ORG_A, unit(ORG_A, konkurs=True, konkursdato="03.08.2025"), None, None, TODAY)
    with pytest.raises(RegisterDataError, match="answered with unit 910000004"):
        sync_outcome(ORG_A, unit(ORG_B), None, None, TODAY)


# --- the sync, on SQLite and PostgreSQL -------------------------------------------------------------------------


def test_enrichment_bankruptcy_and_an_idempotent_rerun(engine, srv, client):
    srv.units[ORG_A] = unit(ORG_A, konkurs=True, konkursdato="2025-08-03")
    srv.roles[ORG_A] = roles(ORG_A)
    srv.units[ORG_B] = unit(ORG_B, name="BYGG OG ANLEGG AS", naeringskode1={"kode": "43.210", "beskrivelse": "x"})
    srv.roles[ORG_B] = roles(ORG_B)
    with engine.begin() as conn:
        a = add_customer(conn, "A", ORG_A)
        b = add_customer(conn, "B", ORG_B, industry="41.20")  # our own code wins over the register's 43.21
        add_customer(conn, "S", "5560360793", country="SE")  # not Norwegian: never asked for
        add_customer(conn, "N", None)  # no organisation number: skipped
        v0 = data_version(conn)
    with engine.begin() as conn:
        r = sync_all(conn, client, TODAY)
    assert (r.fetched, r.enriched, r.events_added, r.errors) == (2, 2, 1, [])
    assert r.changed is True
    with engine.begin() as conn:
        assert data_version(conn) == v0 + 1
        ind = dict(conn.execute(select(Customer.customer_ref, Customer.industry_code)).all())
        assert ind == {"A": "46.90", "B": "41.20", "S": None, "N": None}  # 46.900 -> NACE class 46.90
        names = dict(conn.execute(select(Customer.customer_ref, Customer.name)).all())
        assert names["A"] == "A"  # our name is kept; the register's is in the profile
        p, fetched_on = register_profile(conn, ORG_A)
        assert (p.name, p.legal_form, p.employees, p.address, fetched_on) == (
            "EKSEMPEL HANDEL AS",
            "AS",
            23,
            "Arbeidsveien 1, 7010 TRONDHEIM",
            TODAY,
        )
        assert register_state(conn, ORG_A).roles["DAGL"] == [{"name": "Kari Nordmann", "id": "1975-04-12"}]
        assert events(conn) == [
            (a, "bankruptcy", date(2025, 8, 3), "Konkurs registrert i Enhetsregisteret, konkursdato 2025-08-03.")
        ]
        assert events(conn, b) == []
    assert {p for p in srv.log if not p.startswith("/oppdateringer")} == {
        f"/enheter/{ORG_A}",
        f"/enheter/{ORG_A}/roller",
        f"/enheter/{ORG_B}",
        f"/enheter/{ORG_B}/roller",
    }

    # the feed is empty, so no cursor yet: the rerun fetches both again and adds nothing
    with engine.begin() as conn:
        again = sync_all(conn, client, TODAY)
        assert (again.fetched, again.enriched, again.events_added, again.errors) == (2, 0, 0, [])
        assert again.changed is False
        assert data_version(conn) == v0 + 1  # nothing changed, no bump
        assert len(events(conn)) == 1

    # even with the stored state lost, the dated bankruptcy is found among the customer's brreg events
    with engine.begin() as conn:
        conn.execute(delete(Setting).where(Setting.key == f"brreg:{ORG_A}"))
        lost = sync_all(conn, client, TODAY)
        assert (lost.fetched, lost.events_added, lost.enriched) == (2, 0, 1)  # A's profile stored anew
        assert len(events(conn)) == 1


def test_each_register_flag_gives_its_event(engine, srv, client):
    srv.units[ORG_A] = unit(ORG_A, konkurs=True)  # no konkursdato: dated by the sync
    srv.units[ORG_B] = unit(ORG_B, underAvvikling=True, underAvviklingDato="2026-09-01")
    srv.units[ORG_C] = unit(
        ORG_C,
        underTvangsavviklingEllerTvangsopplosning=True,
        tvangsopplostPgaManglendeRevisorDato="2026-06-10",
        tvangsopplostPgaManglendeDagligLederDato="2026-05-02",
    )
    srv.units[ORG_D] = unit(ORG_D, underRekonstruksjonsforhandlingDato="2026-10-15")
    srv.units[ORG_E] = unit(ORG_E, slettedato="2026-10-20")
    for org in (ORG_A, ORG_B, ORG_C, ORG_D, ORG_E):
        srv.roles[org] = roles(org)
    with engine.begin() as conn:
        ids = {org: add_customer(conn, org, org) for org in (ORG_A, ORG_B, ORG_C, ORG_D, ORG_E)}
        r = sync_all(conn, client, TODAY)
        assert (r.fetched, r.events_added, r.errors) == (5, 5, [])
        got = {row[0]: row[1:] for row in events(conn)}
    assert got == {
        ids[ORG_A]: ("bankruptcy", TODAY, "Konkurs registrert i Enhetsregisteret."),
        ids[ORG_B]: ("liquidation", date(2026, 9, 1), "Under avvikling i Enhetsregisteret, fra 2026-09-01."),
        # dated by the earliest reason: 2026-05-02 before 2026-06-10
        ids[ORG_C]: (
            "forced_dissolution",
            date(2026, 5, 2),
            "Under tvangsavvikling eller tvangsoppløsning i Enhetsregisteret (manglende daglig leder 2026-05-02; "
            "manglende revisor 2026-06-10).",
        ),
        ids[ORG_D]: (
            "debt_restructuring",
            date(2026, 10, 15),
            "Under rekonstruksjonsforhandling i Enhetsregisteret, fra 2026-10-15.",
        ),
        ids[ORG_E]: ("deleted", date(2026, 10, 20), "Slettet i Enhetsregisteret 2026-10-20."),
    }

    # a day later the undated bankruptcy keeps the date it was first seen: the rerun adds nothing
    with engine.begin() as conn:
        r2 = sync_all(conn, client, date(2026, 11, 1))
        assert (r2.fetched, r2.events_added, r2.errors) == (5, 0, [])
        assert len(events(conn)) == 5
        assert register_state(conn, ORG_A).open["bankruptcy"]["date"] == "2026-10-31"


def test_ceo_and_chair_changes_are_found_on_the_second_sync(engine, srv, client):
    srv.units[ORG_A] = unit(ORG_A)
    srv.roles[ORG_A] = roles(ORG_A)
    with engine.begin() as conn:
        a = add_customer(conn, "A", ORG_A)
        first = sync_customer(conn, a, client, TODAY)
        assert (first.fetched, first.events_added, first.enriched) == (1, 0, 1)  # first sight: nothing to compare

    # the register now has a new CEO (the old one listed as fratraadt) and a new chair, both changed 2026-10-20
    srv.roles[ORG_A] = roles(
        ORG_A,
        ceo=person("Nils", "Nilsen", "1980-02-02"),
        chair=person("Berit", "Dahl", "1965-03-03"),
        former_ceo=person("Kari", "Nordmann", "1975-04-12"),
        changed="2026-10-20",
    )
    with engine.begin() as conn:
        second = sync_customer(conn, a, client, date(2026, 11, 2))
        assert (second.fetched, second.events_added, second.errors) == (1, 2, [])
        assert events(conn) == [
            (a, "role_change", date(2026, 10, 20), "Ny daglig leder: Nils Nilsen (etterfølger Kari Nordmann)."),
            (a, "role_change", date(2026, 10, 20), "Ny styreleder: Berit Dahl (etterfølger Ola K. Hansen)."),
        ]
    with engine.begin() as conn:
        third = sync_customer(conn, a, client, date(2026, 11, 3))
        assert (third.events_added, third.enriched) == (0, 0)

    # the CEO leaves and nobody is registered
    srv.roles[ORG_A]["rollegrupper"][0]["roller"][0]["avregistrert"] = True
    with engine.begin() as conn:
        fourth = sync_customer(conn, a, client, date(2026, 11, 4))
        assert fourth.events_added == 1
        assert events(conn)[-1][3] == "Daglig leder Nils Nilsen er fratrådt; ingen ny registrert."


def test_address_change_is_an_event(engine, srv, client):
    srv.units[ORG_A] = unit(ORG_A)
    srv.roles[ORG_A] = roles(ORG_A)
    with engine.begin() as conn:
        a = add_customer(conn, "A", ORG_A)
        sync_customer(conn, a, client, TODAY)
    moved = unit(ORG_A)["forretningsadresse"] | {"adresse": ["Kaigata 5"], "postnummer": "5003", "poststed": "BERGEN"}
    srv.units[ORG_A] = unit(ORG_A, forretningsadresse=moved)
    with engine.begin() as conn:
        r = sync_customer(conn, a, client, date(2026, 11, 2))
        assert (r.events_added, r.enriched) == (1, 1)
        assert events(conn) == [
            (
                a,
                "address_change",
                date(2026, 11, 2),
                "Ny forretningsadresse: Kaigata 5, 5003 BERGEN (tidligere Arbeidsveien 1, 7010 TRONDHEIM).",
            )
        ]


def test_410_is_a_deleted_event_for_every_customer_with_that_number(engine, srv, client):
    srv.gone.add(ORG_A)
    with engine.begin() as conn:
        a1 = add_customer(conn, "A1", ORG_A)
        a2 = add_customer(conn, "A2", ORG_A)  # the same company under two ERP accounts
        r = sync_customer(conn, a1, client, TODAY)
        assert (r.fetched, r.events_added, r.errors) == (1, 2, [])
        text = "Fjernet fra Enhetsregisteret (HTTP 410 Gone)."
        assert events(conn) == [(a1, "deleted", TODAY, text), (a2, "deleted", TODAY, text)]
        assert register_state(conn, ORG_A).gone is True
    assert srv.requests(f"/enheter/{ORG_A}/roller") == 0  # no roles asked of a removed unit
    with engine.begin() as conn:
        assert sync_all(conn, client, date(2026, 11, 5)).events_added == 0


def test_404_is_listed_and_the_run_goes_on(engine, srv, client):
    srv.units[ORG_B] = unit(ORG_B)
    srv.roles[ORG_B] = roles(ORG_B)
    with engine.begin() as conn:
        add_customer(conn, "A", ORG_A)  # not in the register
        add_customer(conn, "B", ORG_B)
        add_customer(conn, "X", "912345687")  # fails the check digit
        r = sync_all(conn, client, TODAY)
    assert r.errors == [
        "customer X: '912345687' is not a valid NO organisation number: The number's checksum or check digit is "
        "invalid.",
        f"{ORG_A}: not found in Enhetsregisteret (HTTP 404); check the customer's organisation number",
    ]
    assert (r.fetched, r.enriched) == (1, 1)
    with engine.begin() as conn:
        assert register_state(conn, ORG_A) is None
        assert register_state(conn, ORG_B).profile.name == "EKSEMPEL HANDEL AS"


def test_429_and_500_are_retried_within_the_sync(engine, srv, client, waits):
    srv.units[ORG_A] = unit(ORG_A)
    srv.roles[ORG_A] = roles(ORG_A)
    srv.script(f"/enheter/{ORG_A}", Reply(429, headers={"Retry-After": "2"}), Reply(500))
    srv.script(f"/enheter/{ORG_A}/roller", Reply(503))
    with engine.begin() as conn:
        a = add_customer(conn, "A", ORG_A)
        r = sync_customer(conn, a, client, TODAY)
    assert (r.fetched, r.errors) == (1, [])
    assert srv.requests(f"/enheter/{ORG_A}") == 3  # 429, 500, 200
    assert srv.requests(f"/enheter/{ORG_A}/roller") == 2  # 503, 200
    assert waits == [2.0, 1.0, 0.5]  # Retry-After 2; backoff 0.5 * 2**1 on the second try; 0.5 for the roles


def test_malformed_json_is_listed_the_run_goes_on_and_the_unit_is_fetched_again(engine, srv, client):
    for org in (ORG_A, ORG_B):
        srv.units[org] = unit(org)
        srv.roles[org] = roles(org)
    srv.feed = [update(500, ORG_F, "2026-10-30T10:00:00.000Z")]
    with engine.begin() as conn:
        add_customer(conn, "A", ORG_A)
        add_customer(conn, "B", ORG_B)
        first = sync_all(conn, client, TODAY)
        assert (first.fetched, first.errors, first.cursor) == (2, [], 500)

    # the feed names A; its answer is cut off
    srv.feed.append(update(501, ORG_A, "2026-10-31T10:00:00.000Z"))
    srv.script(f"/enheter/{ORG_A}", Reply(200, b'{"organisasjonsnummer": "912345688", "navn": "EKS'))
    with engine.begin() as conn:
        second = sync_all(conn, client, TODAY)
        assert second.fetched == 0
        assert len(second.errors) == 1
        assert second.errors[0].startswith(f"{ORG_A}: GET /enheter/{ORG_A}: the answer is not valid JSON (")
        assert second.cursor == 502
        assert register_state(conn, ORG_A).stale is True

    # the feed is quiet now, but A's last fetch failed: it is fetched again, B is not
    before_a, before_b = srv.requests(f"/enheter/{ORG_A}"), srv.requests(f"/enheter/{ORG_B}")
    with engine.begin() as conn:
        third = sync_all(conn, client, TODAY)
        assert (third.fetched, third.errors) == (1, [])
        assert register_state(conn, ORG_A).stale is False
    assert (srv.requests(f"/enheter/{ORG_A}") - before_a, srv.requests(f"/enheter/{ORG_B}") - before_b) == (1, 0)


def test_the_cursor_is_persisted_and_only_changed_units_are_fetched(engine, srv, client):
    for org in (ORG_A, ORG_B, ORG_C):
        srv.units[org] = unit(org)
        srv.roles[org] = roles(org)
    srv.feed = [
        update(100, ORG_A, "2026-10-29T23:59:59.000Z"),  # before the day before TODAY
        update(101, ORG_A, "2026-10-30T06:00:00.000Z"),
        update(102, ORG_F, "2026-10-31T07:00:00.000Z"),  # not a customer
    ]
    with engine.begin() as conn:
        for org in (ORG_A, ORG_B, ORG_C):
            add_customer(conn, org, org)
        first = sync_all(conn, client, TODAY)
        # no cursor yet: every unit fetched; the cursor starts at the first update from 2026-10-30 (TODAY - 1 day)
        assert (first.fetched, first.cursor) == (3, 101)
        assert get_setting(conn, CURSOR_KEY) == 101
    assert "/oppdateringer/enheter?size=1&dato=2026-10-30T00%3A00%3A00.000Z" in srv.log

    srv.feed += [update(103, ORG_C, "2026-11-01T08:00:00.000Z"), update(104, ORG_F, "2026-11-01T09:00:00.000Z")]
    srv.units[ORG_C] = unit(ORG_C, konkurs=True, konkursdato="2026-11-01")
    srv.log.clear()
    with engine.begin() as conn:
        second = sync_all(conn, client, date(2026, 11, 1), feed_size=2)
        # the feed from 101: 101 (A), 102 (F), 103 (C), 104 (F) in pages of 2; A and C fetched, B not
        assert (second.fetched, second.events_added, second.cursor) == (2, 1, 105)
        assert get_setting(conn, CURSOR_KEY) == 105
    assert srv.log == [
        "/oppdateringer/enheter?size=2&oppdateringsid=101",
        "/oppdateringer/enheter?size=2&oppdateringsid=103",
        "/oppdateringer/enheter?size=2&oppdateringsid=105",  # the page of 2 was full, so one more (empty) read
        f"/enheter/{ORG_C}",  # in orgnr order: 910000012 before 912345688
        f"/enheter/{ORG_C}/roller",
        f"/enheter/{ORG_A}",
        f"/enheter/{ORG_A}/roller",
    ]

    srv.log.clear()
    with engine.begin() as conn:
        v = data_version(conn)
        quiet = sync_all(conn, client, date(2026, 11, 1))
        assert (quiet.fetched, quiet.cursor, quiet.changed) == (0, 105, False)
        assert data_version(conn) == v
    assert srv.log == ["/oppdateringer/enheter?size=500&oppdateringsid=105"]


def test_a_failing_feed_is_listed_and_the_cursor_kept(engine, srv, client):
    srv.units[ORG_A] = unit(ORG_A)
    srv.roles[ORG_A] = roles(ORG_A)
    with engine.begin() as conn:
        add_customer(conn, "A", ORG_A)
        set_setting(conn, CURSOR_KEY, 40)
    srv.script("/oppdateringer/enheter", *(Reply(500) for _ in range(4)))
    with engine.begin() as conn:
        r = sync_all(conn, client, TODAY)
        assert r.errors == [
            "change feed: GET /oppdateringer/enheter?size=500&oppdateringsid=40: HTTP 500, still after 3 retries"
        ]
        assert (r.fetched, r.cursor) == (1, 40)  # A was never fetched, so it is fetched anyway
        assert get_setting(conn, CURSOR_KEY) == 40


def test_sync_customer_refuses_a_customer_outside_norway(engine, client):
    with engine.begin() as conn:
        s = add_customer(conn, "S", "5560360793", country="SE")
        r = sync_customer(conn, s, client, TODAY)
    assert r.errors == [
        "customer S: Enhetsregisteret covers Norwegian companies; this customer has country SE and organisation "
        "number 5560360793"
    ]
    assert (r.fetched, r.changed) == (0, False)

    with engine.begin() as conn:
        bad = add_customer(conn, "X", "912345687")
        add_customer(conn, "Y", "987654321")  # another bad number: not reported by a sync of X
        assert sync_customer(conn, bad, client, TODAY).errors == [
            "customer X: '912345687' is not a valid NO organisation number: The number's checksum or check digit "
            "is invalid."
        ]
