"""The public transparency figures: what is counted, small counts hidden, nothing to subtract."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from camshare.models import AgreementVersion, Consent, OutboxMessage, Site
from camshare.services.access import answers, requests
from camshare.services.agreements.texts import publish_agreement
from camshare.services.may_be_asked import refresh_may_be_asked
from camshare.services.public.transparency import (
    SMALL,
    RequestGroup,
    TypeRow,
    ZipRow,
    cached_public_figures,
    public_figures,
)
from camshare.state.transparency import duration_text, present
from tests.support.access_builders import (
    NOW,
    draft,
    point_at,
    registered_owner,
    sent_request,
    staff,
)
from tests.support.fakes import FakeClock

# NOW is 2026-11-24 15:00 UTC, 9:00 in Dallas: the period runs from December 2025.
ELSEWHERE = point_at(5000)


@pytest.fixture(autouse=True)
def first_agreement(request):
    """The agreement the builders' owners consent to (theirs is no valid published text)."""
    if "session" in request.fixturenames:
        session = request.getfixturevalue("session")
        publish(session, "2025-06", "en", datetime(2025, 6, 2, 15, tzinfo=UTC))
        publish(session, "2025-06", "es", datetime(2025, 6, 2, 15, tzinfo=UTC))


@pytest.fixture
def police(session):
    return staff(session, "police")


@pytest.fixture
def supervisor(session):
    return staff(session, "supervisor")


def owners_in(session, zip_code: str | None, count: int, **fields) -> list:
    """``count`` owners, each with one location (three cameras) in ``zip_code``."""
    return [
        registered_owner(session, point_at(40 + i), zip_code=zip_code, **fields)
        for i in range(count)
    ]


def tokens_by_owner(session) -> dict[int, str]:
    return {
        message.owner_id: re.search(r"/r/([A-Za-z0-9_-]+)", message.body).group(1)
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "access_request")
        )
    }


# --- suppression -----------------------------------------------------------------------------


# --- registrations ---------------------------------------------------------------------------


def test_four_registrations_are_fewer_than_5_and_five_are_5(session, settings):
    owners_in(session, "75201", 4)
    registrations = public_figures(session, settings, NOW).registrations
    assert (registrations.locations, registrations.cameras, registrations.owners) == (
        None,
        12,
        None,
    )
    owners_in(session, "75201", 1)
    registrations = public_figures(session, settings, NOW).registrations
    assert (registrations.locations, registrations.cameras, registrations.owners) == (5, 15, 5)


def test_locations_and_cameras_by_zip_code_with_small_ones_pooled(session, settings):
    owners_in(session, "75201", 5)
    owners_in(session, "75202", 7)
    owners_in(session, "75203", 3)
    owners_in(session, "75204", 1)
    owners_in(session, None, 1)
    registered_owner(session, point_at(10), point_at(20), zip_code="75205-1234")
    figures = public_figures(session, settings, NOW)
    # 75203 (3), 75204 (1), 75205 (2 locations) and the unknown one (1): 7 together.
    assert figures.by_zip == (
        ZipRow("75202", 7, 21),
        ZipRow("75201", 5, 15),
        ZipRow(None, 7, 21),
    )
    assert (figures.registrations.locations, figures.registrations.cameras) == (19, 57)
    assert figures.registrations.owners == 18


def test_a_small_pool_takes_the_smallest_zip_code_with_it(session, settings):
    owners_in(session, "75201", 5)
    owners_in(session, "75202", 6)
    owners_in(session, "75203", 4)
    figures = public_figures(session, settings, NOW)
    # Listing 75201 and 75202 beside "other: fewer than 5" would give 4 away (15 - 5 - 6).
    assert figures.by_zip == (ZipRow("75202", 6, 18), ZipRow(None, 9, 27))
    assert figures.registrations.locations == 15


def test_everything_small_is_one_row_of_fewer_than_5(session, settings):
    owners_in(session, "75201", 2)
    owners_in(session, "75202", 1)
    figures = public_figures(session, settings, NOW)
    assert figures.by_zip == (ZipRow(None, None, 9),)
    assert figures.registrations.locations is None


def test_paused_withdrawn_and_unverified_registrations_are_not_counted(session, settings):
    owners_in(session, "75201", 5)
    owners_in(session, "75201", 1, status="paused")
    owners_in(session, "75201", 1, status="reconsent")
    owners_in(session, "75201", 1, sms_opted_out_at=NOW)  # STOP pauses a registration
    unverified = owners_in(session, "75201", 1)[0]
    unverified.phone_verified_at = None
    consent_gone = owners_in(session, "75201", 1)[0]
    for consent in session.scalars(select(Consent).where(Consent.owner_id == consent_gone.id)):
        consent.withdrawn_at = NOW
    site_gone = owners_in(session, "75201", 1)[0]
    session.delete(session.scalars(select(Site).where(Site.owner_id == site_gone.id)).one())
    # No use case unverifies a phone or withdraws one consent alone: as one would, the
    # test has the sites' answer worked out again.
    refresh_may_be_asked(session, [unverified.id, consent_gone.id])
    figures = public_figures(session, settings, NOW)
    assert figures.registrations.locations == 5
    assert figures.registrations.owners == 5
    assert figures.by_zip == (ZipRow("75201", 5, 15),)


# --- requests by month -----------------------------------------------------------------------


def test_requests_per_local_month_by_incident_type_with_emergencies_apart(
    session, settings, police, supervisor
):
    registered_owner(session, point_at(40))
    november = datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
    for kind, count in {"robbery": 6, "burglary": 5, "arson": 3, "hit_and_run": 2}.items():
        for i in range(count):
            sent_request(session, settings, police, supervisor, november + timedelta(hours=i), kind)
    for i in range(4):
        sent_request(
            session,
            settings,
            police,
            supervisor,
            november + timedelta(days=1, hours=i),
            "missing_child",
        )
    # 03:00 UTC on 1 November is still 31 October in Dallas.
    october_night = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    for i in range(5):
        sent_request(
            session, settings, police, supervisor, october_night - timedelta(days=i), "shooting"
        )
    # Before the period (December 2025 onwards) and after ``now``: not counted.
    sent_request(session, settings, police, supervisor, datetime(2025, 11, 20, 18, tzinfo=UTC))
    sent_request(session, settings, police, supervisor, NOW + timedelta(hours=1))

    figures = public_figures(session, settings, NOW)

    assert figures.since == date(2025, 12, 1)
    assert [m.month for m in figures.months][:3] == [
        date(2026, 11, 1),
        date(2026, 10, 1),
        date(2026, 9, 1),
    ]
    assert len(figures.months) == 12
    nov, oct_, *rest = figures.months
    assert nov.incidents == RequestGroup(
        False,
        16,
        (TypeRow("robbery", 6), TypeRow("burglary", 5), TypeRow(None, 5)),
    )
    assert nov.emergencies == RequestGroup(True, None, (TypeRow(None, None),))
    assert oct_.incidents == RequestGroup(False, 5, (TypeRow("shooting", 5),))
    assert oct_.emergencies == RequestGroup(True, 0, ())
    assert all(m.incidents.requests == 0 and m.emergencies.requests == 0 for m in rest)


def test_a_month_of_four_requests_shows_fewer_than_5_and_of_five_shows_5(
    session, settings, police, supervisor
):
    registered_owner(session, point_at(40))
    at = datetime(2026, 9, 15, 15, tzinfo=UTC)
    for i in range(4):
        sent_request(session, settings, police, supervisor, at + timedelta(hours=i), "burglary")
    september = public_figures(session, settings, NOW).months[2]
    assert september.incidents == RequestGroup(False, None, (TypeRow(None, None),))
    sent_request(session, settings, police, supervisor, at + timedelta(hours=5), "burglary")
    september = public_figures(session, settings, NOW).months[2]
    assert september.incidents == RequestGroup(False, 5, (TypeRow("burglary", 5),))


def test_requests_turned_down_by_a_supervisor(session, settings, police, supervisor):
    registered_owner(session, point_at(40))

    def turned_down(count):
        for i in range(count):
            at = NOW - timedelta(days=3, hours=i)
            created = requests.create_request(
                session,
                police,
                draft(window_start=at - timedelta(hours=2), window_end=at - timedelta(hours=1)),
                set(),
                settings,
                at,
            )
            requests.reject_request(session, supervisor, created.request_id, "No case", at)

    turned_down(4)
    figures = public_figures(session, settings, NOW)
    assert figures.rejected is None
    assert all(m.incidents.requests == 0 for m in figures.months)  # never sent
    turned_down(1)
    assert public_figures(session, settings, NOW).rejected == 5


# --- answers ---------------------------------------------------------------------------------


def answered_request(session, settings, police, supervisor, *, approved, declined, silent):
    """A request to that many owners, answered after 10, 20, 30... minutes, then closed."""
    owners = owners_in(session, "75201", approved + declined + silent)
    sent_at = NOW - timedelta(days=10)
    request_id = sent_request(session, settings, police, supervisor, sent_at)
    tokens = tokens_by_owner(session)
    plan = ["approved"] * approved + ["declined"] * declined
    for minutes, (owner, answer) in enumerate(zip(owners, plan, strict=False), start=1):
        answers.answer_by_link(
            session, tokens[owner.id], answer, now=sent_at + timedelta(minutes=10 * minutes)
        )
    requests.close_request(session, police, request_id, sent_at + timedelta(days=1))
    return request_id


def test_answer_shares_and_the_median_time_to_an_answer(session, settings, police, supervisor):
    answered_request(session, settings, police, supervisor, approved=10, declined=5, silent=5)
    # Still open: its owners are awaiting, outside the shares.
    for i in range(6):
        registered_owner(session, point_at(30 + i, origin=ELSEWHERE))
    sent_request(
        session,
        settings,
        police,
        supervisor,
        NOW - timedelta(hours=1),
        lat=ELSEWHERE[0],
        lon=ELSEWHERE[1],
    )

    result = public_figures(session, settings, NOW).answers

    assert (result.approved, result.declined, result.no_answer, result.awaiting) == (10, 5, 5, 6)
    assert (result.approved_percent, result.declined_percent, result.no_answer_percent) == (
        50,
        25,
        25,
    )
    # 15 answers after 10, 20 ... 150 minutes: the median is the 8th, 80 minutes.
    assert result.median_to_answer == timedelta(minutes=80)


def test_a_small_answer_count_hides_every_share(session, settings, police, supervisor):
    answered_request(session, settings, police, supervisor, approved=10, declined=4, silent=6)
    result = public_figures(session, settings, NOW).answers
    assert (result.approved, result.declined, result.no_answer) == (10, None, 6)
    # 10 of 20 would be 50 %: with the base known, the 4 declined could be worked out.
    assert (result.approved_percent, result.declined_percent, result.no_answer_percent) == (
        None,
        None,
        None,
    )
    assert result.awaiting == 0
    assert result.median_to_answer == timedelta(minutes=75)  # between the 7th and 8th of 14


def test_no_median_from_fewer_than_5_answers(session, settings, police, supervisor):
    answered_request(session, settings, police, supervisor, approved=3, declined=1, silent=5)
    result = public_figures(session, settings, NOW).answers
    assert result.median_to_answer is None
    assert (result.approved, result.declined, result.no_answer) == (None, None, 5)


def test_no_answers_yet(session, settings):
    result = public_figures(session, settings, NOW).answers
    assert (result.approved, result.declined, result.no_answer, result.awaiting) == (0, 0, 0, 0)
    assert result.approved_percent is None
    assert result.median_to_answer is None


# --- the agreement ---------------------------------------------------------------------------


def publish(session, version, language, at, change=None):
    text = publish_agreement(
        session, version, language, f"Agreement {version}", ["In short"], ["Body"], change
    )
    session.get(AgreementVersion, text.id).published_at = at
    session.flush()


def test_the_current_agreement_and_its_version_history(session, settings):
    publish(session, "2026-01", "en", datetime(2026, 1, 5, 15, tzinfo=UTC))
    publish(session, "2026-01", "es", datetime(2026, 1, 6, 15, tzinfo=UTC))
    publish(session, "2026-11", "en", datetime(2026, 11, 2, 15, tzinfo=UTC), "Clearer STOP")
    publish(session, "2026-11", "es", datetime(2026, 11, 3, 15, tzinfo=UTC), "STOP más claro")

    figures = public_figures(session, settings, NOW)

    assert {(a.language, a.version) for a in figures.agreements} == {
        ("en", "2026-11"),
        ("es", "2026-11"),
    }
    assert figures.agreement_in("es").title == "Agreement 2026-11"
    assert figures.agreement_in("fr").language == "en"
    newest, first, oldest = figures.agreement_history
    assert (newest.version, newest.published_at) == (
        "2026-11",
        datetime(2026, 11, 2, 15, tzinfo=UTC),
    )
    assert (newest.change_summary("en"), newest.change_summary("es")) == (
        "Clearer STOP",
        "STOP más claro",
    )
    assert (first.version, first.change_summary("en")) == ("2026-01", None)
    assert oldest.version == "2025-06"


def test_a_version_not_yet_translated_leaves_the_older_translation_current(session, settings):
    publish(session, "2026-01", "en", datetime(2026, 1, 5, 15, tzinfo=UTC))
    publish(session, "2026-01", "es", datetime(2026, 1, 5, 15, tzinfo=UTC))
    publish(session, "2026-11", "en", datetime(2026, 11, 2, 15, tzinfo=UTC), "Clearer STOP")
    figures = public_figures(session, settings, NOW)
    assert figures.agreement_in("es").version == "2026-01"
    assert figures.agreement_in("en").version == "2026-11"
    assert figures.agreement_history[0].change_summary("es") == "Clearer STOP"


# --- the cache -------------------------------------------------------------------------------


def test_the_cache_serves_a_stale_copy_within_the_ttl_and_a_fresh_one_after(session, settings):
    clock = FakeClock()
    cache = cached_public_figures(lambda: public_figures(session, settings, NOW), 300, clock)
    owners_in(session, "75201", 5)
    first = cache()
    assert first.registrations.locations == 5

    owners_in(session, "75201", 2)
    clock.now += 299
    assert cache() is first
    assert cache().registrations.locations == 5

    clock.now += 1
    fresh = cache()
    assert fresh is not first
    assert fresh.registrations.locations == 7


# --- the page's text -------------------------------------------------------------------------


def _visible_counts(page: dict) -> list[str]:
    cells = [row["value"] for row in page["totals"]]
    cells += [row[k] for row in page["zip_rows"] for k in ("locations", "cameras")]
    cells += [row["requests"] for row in page["month_rows"]]
    cells += [row["owners"] for row in page["answer_rows"]]
    return [*cells, page["rejected"], page["awaiting"]]


@pytest.mark.parametrize(
    ("lang", "fewer", "month", "share"),
    [
        ("en", "fewer than 5", "November 2026", "—"),
        ("es", "menos de 5", "Noviembre de 2026", "—"),
    ],
)
def test_the_page_never_shows_a_number_under_5(
    session, settings, police, supervisor, lang, fewer, month, share
):
    publish(session, "2026-11", "en", datetime(2026, 11, 2, 15, tzinfo=UTC), "Clearer STOP")
    publish(session, "2026-11", "es", datetime(2026, 11, 3, 15, tzinfo=UTC), "STOP más claro")
    answered_request(session, settings, police, supervisor, approved=6, declined=3, silent=1)
    for i in range(3):
        sent_request(
            session, settings, police, supervisor, NOW - timedelta(hours=3 + i), "missing_child"
        )

    page = present(public_figures(session, settings, NOW), lang, settings)

    counts = _visible_counts(page)
    assert fewer in counts
    for cell in counts:
        assert cell == fewer or cell == "0" or int(cell.replace(",", "")) >= SMALL, cell
    assert page["month_rows"][0]["month"] == month
    assert {row["share"] for row in page["answer_rows"]} == {share}
    assert page["median"] == duration_text(timedelta(minutes=50), lang)
    assert page["agreement_version"].startswith("Version 2026-11" if lang == "en" else "Versión")
    assert page["history"][0]["changes"] == ("Clearer STOP" if lang == "en" else "STOP más claro")
    assert ("noviembre de 2026" if lang == "es" else "November 2026") in page["period_lead"]
    # A month without any request reads as one row.
    assert page["month_rows"][-1]["requests"] == "0"
