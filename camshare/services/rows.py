"""Reading many rows fast: as the database driver returns them, without SQLAlchemy's rows."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Executable
from sqlalchemy.orm import Session

# The execution option ``driver_rows`` sets; camshare.db's PostgreSQL engine reads it.
DRIVER_ROWS = "camshare_driver_rows"


def driver_rows(session: Session, statement: Executable, params: Mapping) -> list[tuple]:
    """The rows of ``statement`` as the database driver returns them: plain tuples.

    For a hot read of hundreds of rows (the radius search at its maximum): SQLAlchemy still
    compiles (once: its cache), binds and runs the statement; only its per-row work is
    skipped, building a ``Row`` for each and passing each value through its type's result
    processor, which costs more than the database's own work for such a read. So only for
    columns the driver already returns as they should be (numbers, text); never dates or
    booleans, which SQLite returns as text and integers. On PostgreSQL the rows come in
    binary (see ``camshare.db.make_engine``).
    """
    result = session.execute(statement, params, execution_options={DRIVER_ROWS: True})
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
