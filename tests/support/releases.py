"""The previous release's code, for the upgrade tests: a git revision any full clone has.

"The previous release" is the main line's state before its newest change to the migrations
(``previous_release``): the code and schema an installation runs until it upgrades to this
one. It moves forward by itself when a migration lands, and needs no tag (a fresh clone
with its history suffices).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = "alembic/versions"
_REVISION = re.compile(r"""^revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)
_DOWN_REVISION = re.compile(r"""^down_revision\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def why_unavailable() -> str | None:
    """Why the previous release cannot be read from this checkout (None: it can)."""
    if shutil.which("git") is None:
        return "git is not installed"
    try:
        if _git("rev-parse", "--is-shallow-repository") == "true":
            return "a shallow clone has no previous release (git fetch --unshallow)"
        previous_release()
    except (subprocess.CalledProcessError, ValueError) as error:
        return f"no previous release in this checkout's history: {error}"
    return None


def migrations_at(commit: str) -> frozenset[tuple[str, str | None]]:
    """Each committed migration at ``commit``: (revision, the revision it follows)."""
    found = set()
    for name in _git("ls-tree", "--name-only", commit, f"{VERSIONS}/").splitlines():
        if name.endswith(".py"):
            source = _git("show", f"{commit}:{name}")
            revision = _REVISION.search(source)
            if revision is None:
                raise ValueError(f"{name} at {commit[:10]} names no revision")
            down = _DOWN_REVISION.search(source)
            found.add((revision.group(1), down.group(1) if down else None))
    return frozenset(found)


def previous_release() -> str:
    """The newest commit of the main line (first parents) that this one upgrades from.

    That is the state before the newest change to the migrations whose chain is the start
    of this one's, unchanged: an installation at its head gets exactly the migrations that
    follow. A state whose migrations were re-parented later (two branches' migrations put
    in one line at a merge) is passed over: alembic would take its head for a newer
    revision and skip what was inserted before it.
    """
    ours = migrations_at("HEAD")
    changes = _git("log", "--first-parent", "--format=%H", "HEAD", "--", VERSIONS).splitlines()
    for change in changes:
        before = _git("rev-parse", f"{change}^1")
        theirs = migrations_at(before)
        if theirs and theirs < ours:
            return before
    raise ValueError("no earlier commit's migrations are the start of this one's")


def export_release(commit: str, folder: Path) -> Path:
    """That commit's files (``git archive``, no .git, no build) in ``folder``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True
    ).stdout
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder
