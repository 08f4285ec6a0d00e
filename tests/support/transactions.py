"""Test transactions that roll back whatever the code under test commits."""

from __future__ import annotations

from sqlalchemy import Connection


def open_outer_transaction(connection: Connection) -> None:
    """Make the outer transaction real before any SAVEPOINT, on SQLite too.

    pysqlite opens its transaction lazily, at the first write: a SAVEPOINT sent first would
    become the transaction, and a use case's commit would then commit for real. A write
    that changes nothing opens the outer transaction first.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DELETE FROM throttle_slot WHERE 0")
