"""Writing tables that spreadsheet programs open safely (csv and xlsx exports).

Every export goes through ``formula_safe``: a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be run as a formula by Excel or
LibreOffice (OWASP "CSV injection"), so it gets a leading ``'`` and is written as
text. Numbers stay numbers. The tabular reader (``importers/tabular.py``) removes that
``'`` again, so an export imports back unchanged.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """``value`` as a spreadsheet may show it without running it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def formula_unquote(value: str) -> str:
    """The text ``formula_safe`` was given (for the importers)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(h) for h in header])
    writer.writerows([formula_safe(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_append(sheet, row: Iterable[Any]) -> None:
    """Append a row to a write-only openpyxl sheet; text cells are text, never formulas."""
    cells = []
    for value in row:
        value = formula_safe(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)
