"""The document as a stream of blocks: what every front end (text, HTML, PDF, DOCX) emits
and the assembler reads. Front ends know formats; only the assembler knows the template.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(slots=True)
class Para:
    """A line or paragraph of text in reading order."""
    text: str
    source: dict[str, Any] = field(default_factory=dict)  # {"line": n} | {"element": i} | {"page": p}
    heading: int | None = None  # heading level when the format marks it (#, <h2>, Word styles)


@dataclass(slots=True)
class TCell:
    """One printed cell, as in the document (spans kept, not expanded)."""
    text: str
    source: dict[str, Any] = field(default_factory=dict)  # {"table": t, "row": r, "col": c} | {"line": n, "field": k}
    rowspan: int = 1
    colspan: int = 1
    header: bool = False  # <th>, or a row the format marks as a header


@dataclass(slots=True)
class Table:
    """A table as printed: rows of cells. One logical table may arrive as several Tables."""
    rows: list[list[TCell]]
    # {"table": t} | {"line": n} | {"page": p}; "runs": True when cells may hold the digits of
    # several cells run together (their TCell source says "run"), "positions": "lost" when
    # empty cells were not printed at all
    source: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Image:
    """An image in the body, e.g. a statistics table published as a picture."""
    src: str
    alt: str = ""
    source: dict[str, Any] = field(default_factory=dict)


Block = Union[Para, Table, Image]
