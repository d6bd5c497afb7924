"""Lists of records that are also tables.

Every list a use case returns (patients, staff, events, audit records, …) is a `RecordList`: a plain
`list` of typed records, where each record is also a read-only mapping of its columns. So

    pandas.DataFrame(hospital.search_patients(admin))   # works directly
    hospital.search_patients(admin).to_pandas()         # same, keeps the columns of an empty list

and in Jupyter the list shows as an HTML table.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Sequence, TypeVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

T = TypeVar("T")

__all__ = ["RecordList", "html_table"]

# Rows shown by `_repr_html_` before the table is cut off (a notebook cell with 100,000 rows is of
# no use to anyone; `to_pandas()` shows them all).
_HTML_MAX_ROWS = 50


class RecordList(List[T]):
    """A `list` of records with the column names of its record type, `rows()` and `to_pandas()`."""

    __slots__ = ("columns",)

    columns: tuple[str, ...]

    def __init__(self, items: Iterable[T] = (), columns: Sequence[str] = ()) -> None:
        super().__init__(items)
        self.columns = tuple(columns)

    def rows(self) -> list[dict[str, Any]]:
        """Each record as a new `dict` of its columns."""
        return [_asdict(r) for r in self]

    def to_pandas(self) -> pandas.DataFrame:
        """A `pandas.DataFrame` with one row per record (pandas is an optional dependency).

        Money stays `decimal.Decimal` (never float); datetimes are timezone-aware UTC.
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError(
                "to_pandas() needs pandas; install it with `pip install 'hms[pandas]'`"
            ) from e
        return pd.DataFrame(self.rows(), columns=list(self.columns) or None)

    def _repr_html_(self) -> str:
        shown = [_asdict(r) for r in self[:_HTML_MAX_ROWS]]
        columns = list(self.columns) or (list(shown[0]) if shown else [])
        caption = f"{len(self)} record{'s' if len(self) != 1 else ''}"
        if len(self) > _HTML_MAX_ROWS:
            caption += f" (first {_HTML_MAX_ROWS} shown)"
        return html_table(columns, ([row.get(c) for c in columns] for row in shown), caption=caption)

    def __repr__(self) -> str:
        return f"RecordList({list.__repr__(self)})"


def _asdict(record: Any) -> dict[str, Any]:
    asdict = getattr(record, "_asdict", None)
    if asdict is not None:
        return dict(asdict())
    if isinstance(record, Mapping):
        return dict(record)
    return {"value": record}


def html_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None) -> str:
    """An HTML table (every cell escaped), for `_repr_html_` of records, invoices and days."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="hms">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list, frozenset, set)):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))
