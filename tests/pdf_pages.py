"""What a PDF shows, page by page, for the export tests (REP-05): the text (pypdf) and where every run
of text ends, so that a test can tell that nothing runs off the right edge of the paper, where a
viewer or a printer cuts it (pypdf's text extraction alone still finds such text)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class Page:
    number: int
    text: str
    width: float  # points
    right: float  # the rightmost end of any text drawn on the page (points)

    @property
    def words(self) -> set[str]:
        return set(self.text.split())


def _widths(font: DictionaryObject) -> tuple[int, dict[int, float], float]:
    """The font's bytes per glyph code, glyph widths (1/1000 of the font size) and default width."""
    if "/DescendantFonts" in font:  # a composite font (what weasyprint writes): 2-byte codes, /W
        descendant = font["/DescendantFonts"][0].get_object()
        table: dict[int, float] = {}
        spec = list(descendant.get("/W", []))
        i = 0
        while i < len(spec):
            first, following = int(spec[i]), spec[i + 1]
            if isinstance(following, ArrayObject):
                table.update({first + k: float(w) for k, w in enumerate(following)})
                i += 2
            else:
                table.update({code: float(spec[i + 2]) for code in range(first, int(following) + 1)})
                i += 3
        return 2, table, float(descendant.get("/DW", 1000))
    first = int(font.get("/FirstChar", 0))
    simple = {first + k: float(w) for k, w in enumerate(font.get("/Widths", []))}
    return 1, simple, 500.0


def _advance(operands: list[Any], size: float, font: tuple[int, dict[int, float], float]) -> float:
    """How far a TJ/Tj moves along the line, in text space units."""
    step, widths, default = font
    moved = 0.0
    for part in operands:
        if isinstance(part, bytes | str):
            data = part.encode("latin-1") if isinstance(part, str) else part
            for i in range(0, len(data) - step + 1, step):
                moved += widths.get(int.from_bytes(data[i : i + step], "big"), default) / 1000 * size
        else:
            moved -= float(part) / 1000 * size
    return moved


Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Any, n: Any) -> Matrix:
    """The matrix product m × n (PDF order: m applied first)."""
    a, b, c, d, e, f = (float(v) for v in m)
    g, h, i, j, k, l = (float(v) for v in n)  # noqa: E741
    return (a * g + b * i, a * h + b * j, c * g + d * i, c * h + d * j, e * g + f * i + k, e * h + f * j + l)


def _x(m: Matrix, x: float, y: float) -> float:
    return x * m[0] + y * m[2] + m[4]


def pdf_pages(data: bytes) -> list[Page]:
    """Each page's extracted text and the right end of its rightmost run of text (a Tj or TJ; glyph
    widths from the fonts), on the page, also inside forms (weasyprint draws an SVG as one)."""
    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, start=1):
        # per form being drawn (pypdf reads a form's content with a fresh matrix): its resources and
        # the matrix from its space to the page's
        forms: list[tuple[Any, Matrix]] = [(page.get("/Resources"), IDENTITY)]
        state: dict[str, Any] = {"font": None, "size": 0.0, "right": 0.0}

        def before(
            op: bytes,
            args: list[Any],
            cm: list[float],
            tm: list[float],
            forms: Any = forms,
            state: Any = state,
        ) -> None:
            resources, outer = forms[-1]
            resources = resources.get_object() if resources is not None else {}
            if op == b"Do":
                xobject = (resources.get("/XObject") or {})[args[0]].get_object()
                matrix = _times(xobject.get("/Matrix", IDENTITY), _times(cm, outer))
                forms.append((xobject.get("/Resources", resources), matrix))
            elif op == b"Tf":
                font = (resources.get("/Font") or {}).get(args[0])
                state["font"] = None if font is None else _widths(font.get_object())
                state["size"] = float(args[1])
            elif op in (b"Tj", b"TJ") and state["font"] is not None:
                operands = list(args[0]) if op == b"TJ" else [args[0]]
                moved = _advance(operands, state["size"], state["font"])
                to_page = _times(_times(tm, cm), outer)
                for x in (0.0, moved):
                    state["right"] = max(state["right"], _x(to_page, x, 0.0))

        def after(op: bytes, *_args: Any, forms: Any = forms) -> None:
            if op == b"Do":
                forms.pop()

        text = page.extract_text(visitor_operand_before=before, visitor_operand_after=after)
        pages.append(Page(number, text, float(page.mediabox.width), state["right"]))
    return pages
