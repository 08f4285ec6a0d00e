"""Versions of the sharing agreement: data in the database, published from files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AgreementVersion

AGREEMENTS_DIR = Path(__file__).resolve().parents[2] / "data" / "agreements"


@dataclass(frozen=True)
class AgreementText:
    """One version of the agreement in one language, as shown to a resident."""

    id: int
    version: str
    language: str
    title: str
    summary: list[str]
    body: list[str]
    text_sha256: str


def text_hash(title: str, summary: list[str], body: list[str]) -> str:
    """The SHA-256 of exactly what is shown: title, summary points and body paragraphs."""
    canonical = json.dumps([title, summary, body], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _view(row: AgreementVersion) -> AgreementText:
    summary = json.loads(row.summary)
    body = json.loads(row.body)
    return AgreementText(
        row.id, row.version, row.language, row.title, summary, body, row.text_sha256
    )


def publish_agreement(
    session: Session,
    version: str,
    language: str,
    title: str,
    summary: list[str],
    body: list[str],
    change_summary: str | None = None,
) -> AgreementText:
    """Publish a version in one language; publishing the same text again changes nothing."""
    digest = text_hash(title, summary, body)
    existing = session.scalar(
        select(AgreementVersion).where(
            AgreementVersion.version == version, AgreementVersion.language == language
        )
    )
    if existing is not None:
        if existing.text_sha256 != digest:
            raise ValueError(f"agreement {version}/{language} exists with another text")
        return _view(existing)
    row = AgreementVersion(
        version=version,
        language=language,
        title=title,
        summary=json.dumps(summary, ensure_ascii=False),
        body=json.dumps(body, ensure_ascii=False),
        text_sha256=digest,
        change_summary=change_summary,
    )
    session.add(row)
    session.flush()
    return _view(row)


def publish_from_file(session: Session, path: Path) -> AgreementText:
    """Publish the agreement in a JSON file {version, language, title, summary, body}."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return publish_agreement(
        session,
        data["version"],
        data["language"],
        data["title"],
        data["summary"],
        data["body"],
        data.get("change_summary"),
    )


def publish_bundled(session: Session) -> list[AgreementText]:
    """Publish every agreement file shipped with camshare (idempotent)."""
    return [publish_from_file(session, p) for p in sorted(AGREEMENTS_DIR.glob("*.json"))]


def current_agreement(session: Session, language: str) -> AgreementText | None:
    """The newest agreement in ``language`` (English when there is none in it)."""
    for lang in (language, "en"):
        row = session.scalar(
            select(AgreementVersion)
            .where(AgreementVersion.language == lang)
            .order_by(AgreementVersion.published_at.desc(), AgreementVersion.id.desc())
            .limit(1)
        )
        if row is not None:
            return _view(row)
    return None


def version_in_force(session: Session) -> AgreementVersion | None:
    """The newest published agreement row (any language): the version owners must accept."""
    return session.scalar(
        select(AgreementVersion)
        .order_by(AgreementVersion.published_at.desc(), AgreementVersion.id.desc())
        .limit(1)
    )


def get_agreement(session: Session, agreement_id: int) -> AgreementText | None:
    """The agreement version with this id."""
    row = session.get(AgreementVersion, agreement_id)
    return _view(row) if row else None
