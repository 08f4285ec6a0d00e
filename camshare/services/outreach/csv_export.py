"""CSV that is safe to open in a spreadsheet: one writer for every export the app makes.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a
tab or carriage return) as a formula: a resident registered as
``=HYPERLINK("http://x","y")`` would plant a link, or worse, in the admin's export.
OWASP's rule: such a cell gets a leading single quote, so it is shown as the text it is.
A cell that is only a number ("+12145550142", "-3") is no formula and is left as it is,
so phone numbers stay readable.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading quote if it is text a spreadsheet would run as a formula."""
    risky = isinstance(value, str) and value.startswith(FORMULA_START)
    return "'" + value if risky and not _PLAIN_NUMBER.fullmatch(value) else value


class SafeWriter:
    """``csv.writer`` whose every cell passes through ``safe_cell``."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row."""
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write many rows."""
        for row in rows:
            self.writerow(row)
