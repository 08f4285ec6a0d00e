"""What police do with footage and what happens to it after: triage, holds, retention on a
controlled clock, withdrawal, the case-file export and the board panel's changes-only feed."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from pdfminer.high_level import extract_text
from sqlalchemy import select

from camshare.models import AccessRequest, AuditEvent, FootageFile
from camshare.services.errors import DomainError
from camshare.services.footage import export, panel, retention, triage, viewing
from camshare.services.owners.withdrawal import withdraw
from tests.support.access_builders import NOW
from tests.support.custody_builders import MemoryStorage, footage_request, received_file

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.fixture
def cast(session, settings):
    return footage_request(session, settings)


@pytest.fixture
def storage():
    return MemoryStorage()


def events(session, file_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject == f"footage:{file_id}")
            .order_by(AuditEvent.id)
        )
    )


def close(session, request_id, at):
    request = session.get(AccessRequest, request_id)
    request.status, request.closed_at, request.close_reason = "closed", at, "closed"
    session.flush()


# --- triage and holds --------------------------------------------------------------------------


def test_accept_decline_and_every_view_and_download_are_in_the_file_s_record(
    session, settings, cast, storage
):
    file = received_file(session, storage, cast.request_id)
    viewing.make_link(session, cast.author, file.id, "play", "k", 5, NOW)
    link = viewing.make_link(session, cast.downloader, file.id, "download", "k", 5, NOW)
    viewing.open_link(session, cast.downloader, link.token, "k", NOW)
    # A resumed download's later ranges are the same download.
    viewing.open_link(session, cast.downloader, link.token, "k", NOW, first_byte=False)
    triage.decide(session, cast.author, file.id, "declined", settings, NOW)
    triage.decide(session, cast.supervisor, file.id, "accepted", settings, NOW)
    assert events(session, file.id) == [
        "footage.viewed",
        "footage.downloaded",
        "footage.declined",
        "footage.accepted",
    ]
    viewed = session.scalar(select(AuditEvent).where(AuditEvent.action == "footage.viewed"))
    assert viewed.actor == cast.author.audit_name
    assert viewed.ip_address == cast.author.ip_address
    assert viewed.detail["role"] == "police"


def test_a_hold_needs_a_reason_and_an_accepted_file_and_blocks_declining(
    session, settings, cast, storage
):
    file = received_file(session, storage, cast.request_id)
    with pytest.raises(DomainError) as refused:
        triage.hold(session, cast.supervisor, file.id, "Trial", settings, NOW)
    assert refused.value.key == "custody.error.hold_needs_accepted"
    triage.decide(session, cast.author, file.id, "accepted", settings, NOW)
    with pytest.raises(DomainError) as refused:
        triage.hold(session, cast.supervisor, file.id, "   ", settings, NOW)
    assert refused.value.field == "hold_reason"
    triage.hold(session, cast.supervisor, file.id, "Trial set for March", settings, NOW)
    with pytest.raises(DomainError) as refused:
        triage.decide(session, cast.author, file.id, "declined", settings, NOW)
    assert refused.value.key == "custody.error.on_hold"
    triage.release(session, cast.supervisor, file.id, settings, NOW)
    assert events(session, file.id)[-2:] == ["footage.held", "footage.released"]


# --- retention on a controlled clock ---------------------------------------------------------


def test_retention_deletes_each_kind_of_file_when_its_period_ends(session, settings, cast, storage):
    settings = dataclasses.replace(settings, footage_unaccepted_days=30, footage_evidence_days=90)
    untriaged = received_file(session, storage, cast.request_id)
    declined = received_file(session, storage, cast.request_id)
    accepted = received_file(session, storage, cast.request_id)
    held = received_file(session, storage, cast.request_id)
    triage.decide(session, cast.author, declined.id, "declined", settings, NOW)
    for file in (accepted, held):
        triage.decide(session, cast.author, file.id, "accepted", settings, NOW)
    triage.hold(session, cast.supervisor, held.id, "Appeal pending", settings, NOW)
    # Nothing is scheduled while the request is open.
    assert retention.upkeep(session, storage, settings, NOW + 400 * DAY).deleted == 0
    assert untriaged.delete_after is None
    closed = NOW + 3 * DAY
    close(session, cast.request_id, closed)

    run = retention.upkeep(session, storage, settings, closed + 30 * DAY - SECOND)
    assert (run.scheduled, run.deleted) == (3, 0)
    assert untriaged.delete_after == closed + 30 * DAY
    assert accepted.delete_after == closed + 90 * DAY
    assert held.delete_after is None

    assert retention.upkeep(session, storage, settings, closed + 30 * DAY).deleted == 2
    assert {untriaged.status, declined.status} == {"deleted"}
    assert accepted.status == "accepted"
    assert retention.upkeep(session, storage, settings, closed + 90 * DAY - SECOND).deleted == 0
    assert retention.upkeep(session, storage, settings, closed + 90 * DAY).deleted == 1
    assert accepted.status == "deleted"
    assert accepted.storage_key is None
    assert held.status == "accepted"
    assert storage.exists(held.storage_key)
    assert len(storage.objects) == 2  # the held file and its thumbnail
    deleted = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "footage.deleted").order_by(AuditEvent.id)
    ).all()
    assert [e.detail["reason"] for e in deleted] == ["retention"] * 3
    assert {e.detail["sha256"] for e in deleted[:2]} == {untriaged.sha256, declined.sha256}

    # Released after the period: deleted at the next run.
    triage.release(session, cast.supervisor, held.id, settings, closed + 100 * DAY)
    assert retention.upkeep(session, storage, settings, closed + 100 * DAY).deleted == 1


def test_a_decision_after_closing_moves_the_date(session, settings, cast, storage):
    file = received_file(session, storage, cast.request_id)
    closed = NOW + DAY
    close(session, cast.request_id, closed)
    retention.upkeep(session, storage, settings, closed)
    assert file.delete_after == closed + settings.footage_unaccepted_days * DAY
    triage.decide(session, cast.author, file.id, "accepted", settings, closed + DAY)
    assert file.delete_after == closed + settings.footage_evidence_days * DAY


# --- withdrawal ------------------------------------------------------------------------------


def test_withdrawal_deletes_unaccepted_files_and_strips_the_accepted_ones(
    session, settings, cast, storage
):
    kept = received_file(
        session, storage, cast.request_id, owner_id=cast.owner_id, name="Ana Example front.mp4"
    )
    gone = received_file(session, storage, cast.request_id, owner_id=cast.owner_id)
    declined = received_file(session, storage, cast.request_id, owner_id=cast.owner_id)
    triage.decide(session, cast.author, kept.id, "accepted", settings, NOW)
    triage.decide(session, cast.author, declined.id, "declined", settings, NOW)
    for file in (kept, gone, declined):
        file.recipient_id = cast.recipient_id
    withdraw(session, cast.owner_id, settings, NOW, footage_storage=storage)
    session.expire_all()
    kept, gone, declined = (session.get(FootageFile, f.id) for f in (kept, gone, declined))
    assert (gone.status, declined.status, kept.status) == ("deleted", "deleted", "accepted")
    assert set(storage.objects) == {kept.storage_key, kept.thumbnail_key}
    for file in (kept, gone, declined):
        assert file.owner_id is None
        assert file.recipient_id is None
        assert file.caption is None
        assert "Ana" not in file.original_name
    assert kept.original_name == f"footage-{kept.id}.mp4"
    reasons = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "footage.deleted")
    ).all()
    assert [r["reason"] for r in reasons] == ["withdrawal", "withdrawal"]


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_export_holds_the_originals_their_hashes_a_manifest_and_the_custody_pdf(
    session, settings, cast, storage, language
):
    first = received_file(session, storage, cast.request_id, name="../../etc/passwd.mp4")
    second = received_file(session, storage, cast.request_id, caption="=HYPERLINK(1)")
    left_out = received_file(session, storage, cast.request_id)
    for file in (first, second):
        triage.decide(session, cast.author, file.id, "accepted", settings, NOW)
    viewing.make_link(session, cast.author, first.id, "play", "k", 5, NOW)
    plan = export.plan_export(session, cast.author, cast.request_id, settings, language, NOW)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.stream_archive(plan, storage))))
    names = archive.namelist()
    assert all(n.startswith(("footage/", "manifest.", "chain-of-custody")) for n in names)
    assert not any(".." in n for n in names)
    for file in (first, second):
        (name,) = [
            n for n in names if n.startswith(f"footage/{file.id:06d}-") and "sha256" not in n
        ]
        data = archive.read(name)
        assert hashlib.sha256(data).hexdigest() == file.sha256
        assert archive.read(f"{name}.sha256").decode() == f"{file.sha256}  {name.split('/')[1]}\n"
    assert not [n for n in names if n.startswith(f"footage/{left_out.id:06d}")]
    manifest = json.loads(archive.read("manifest.json"))
    assert [f["sha256"] for f in manifest["files"]] == [first.sha256, second.sha256]
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert rows[1]["caption"] == "'=HYPERLINK(1)"
    pdf = extract_text(io.BytesIO(archive.read("chain-of-custody.pdf")))
    assert first.sha256 in pdf.replace("\n", "")
    assert ("Viewed" if language == "en" else "Visto") in pdf
    assert cast.author.audit_name in pdf
    assert events(session, first.id)[-1] == "footage.exported"
    on_request = session.scalar(
        select(AuditEvent).where(
            AuditEvent.subject == f"request:{cast.request_id}",
            AuditEvent.action == "footage.exported",
        )
    )
    assert on_request.detail["file_ids"] == [first.id, second.id]


def test_nothing_accepted_nothing_to_export(session, settings, cast, storage):
    received_file(session, storage, cast.request_id)
    with pytest.raises(DomainError) as refused:
        export.plan_export(session, cast.author, cast.request_id, settings, "en", NOW)
    assert refused.value.key == "custody.error.nothing_to_export"


# --- the board's panel -----------------------------------------------------------------------


def test_the_panel_sends_only_what_changed(session, settings, cast, storage):
    received_file(session, storage, cast.request_id, status="receiving")
    first = received_file(session, storage, cast.request_id)
    shown = panel.footage_panel(session, cast.author, cast.request_id)
    assert [r.file_id for r in shown.changed] == [first.id]
    assert shown.may_triage
    assert shown.may_export
    known = {r.file_id: r.stamp for r in shown.changed}
    assert panel.footage_panel(session, cast.author, cast.request_id, known).changed == ()
    second = received_file(session, storage, cast.request_id)
    triage.decide(session, cast.author, first.id, "accepted", settings, NOW)
    again = panel.footage_panel(session, cast.author, cast.request_id, known)
    assert sorted(r.file_id for r in again.changed) == [first.id, second.id]
    viewer = panel.footage_panel(session, cast.viewer, cast.request_id)
    assert (viewer.may_download, viewer.may_triage, viewer.may_export) == (False, False, False)


# --- what the owner and the public see afterwards --------------------------------------------


def test_the_owner_sees_each_decision_who_looked_and_when_it_goes(session, settings, cast, storage):
    from camshare.services.footage.afterwards import owner_footage
    from camshare.state.my_footage import my_file

    accepted = received_file(session, storage, cast.request_id, owner_id=cast.owner_id)
    declined = received_file(session, storage, cast.request_id, owner_id=cast.owner_id)
    received_file(session, storage, cast.request_id)  # someone else's
    for who in (cast.author, cast.author, cast.supervisor):
        viewing.make_link(session, who, accepted.id, "play", "k", 5, NOW)
    link = viewing.make_link(session, cast.downloader, accepted.id, "download", "k", 5, NOW)
    viewing.open_link(session, cast.downloader, link.token, "k", NOW)
    triage.decide(session, cast.author, accepted.id, "accepted", settings, NOW)
    triage.decide(session, cast.author, declined.id, "declined", settings, NOW)
    closed = NOW + DAY
    close(session, cast.request_id, closed)
    retention.upkeep(session, storage, settings, closed + 30 * DAY)

    files = {f.file_id: f for f in owner_footage(session, cast.owner_id)}
    assert set(files) == {accepted.id, declined.id}
    assert files[accepted.id].views == (("police", 2), ("supervisor", 1))
    assert files[accepted.id].downloads == (("police", 1),)
    assert files[accepted.id].delete_after == closed + settings.footage_evidence_days * DAY
    assert files[declined.id].deleted_at == closed + 30 * DAY
    shown = my_file(files[accepted.id], "es")
    assert shown["views"] == "Visto 2 veces por un agente; Visto una vez por un supervisor"
    assert shown["status_label"] == "Aceptado como prueba"
    assert my_file(files[declined.id], "en")["deletion"].startswith("Deleted on ")


def test_the_public_sees_files_received_and_accepted_per_month_small_counts_hidden(
    session, settings, cast, storage
):
    from datetime import date
    from zoneinfo import ZoneInfo

    from camshare.services.footage.afterwards import footage_by_month
    from camshare.services.public.transparency import FootageCounts, suppress

    files = [received_file(session, storage, cast.request_id) for _ in range(6)]
    for file in files[:2]:
        triage.decide(session, cast.author, file.id, "accepted", settings, NOW + DAY)
    # Declined, then accepted again: one file, counted once.
    triage.decide(session, cast.author, files[0].id, "declined", settings, NOW + DAY)
    triage.decide(session, cast.author, files[0].id, "accepted", settings, NOW + DAY)
    zone = ZoneInfo(settings.timezone)
    months = [date(2026, 12, 1), date(2026, 11, 1)]
    since = NOW - 30 * DAY
    counted = footage_by_month(session, months, since, NOW + 2 * DAY, zone)
    assert [(m.month, m.received, m.accepted) for m in counted] == [
        (date(2026, 12, 1), 0, 0),
        (date(2026, 11, 1), 6, 2),
    ]
    shown = FootageCounts(counted[1].month, suppress(6), suppress(2))
    assert (shown.received, shown.accepted) == (6, None)
