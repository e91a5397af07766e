"""Formulas typeset at build time for the explorer page: matplotlib mathtext to inline SVG.

Each formula becomes a small ``<svg>`` of ``<use>`` references to glyph outlines; the outlines of every
glyph used on the page are written once, in one hidden ``<svg><defs>`` block (:meth:`FormulaSet.defs`),
so a page with every registered bound stays small and needs no font and no math renderer when opened.
The LaTeX is sympy's (``sp.latex``), the same text ``stl-bounds show`` prints; the contract checks of
:mod:`stl_bounds.contract` make sure mathtext can typeset it.
"""

from __future__ import annotations

import html
from collections import OrderedDict

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

__all__ = ["FormulaSet"]

#: Size of the typeset formulas on the page, in CSS pixels per em.
FONT_PX = 15.0


def _path_data(vertices: np.ndarray, codes: np.ndarray) -> str:
    """SVG path data of a glyph outline (integer FreeType units, as matplotlib's SVG backend writes)."""
    out: list[str] = []
    points = np.round(np.asarray(vertices) * 64).astype(int)
    j = 0
    while j < len(codes):
        code = codes[j]
        if code == Path.MOVETO:
            out.append(f"M{points[j][0]} {points[j][1]}")
            j += 1
        elif code == Path.LINETO:
            out.append(f"L{points[j][0]} {points[j][1]}")
            j += 1
        elif code == Path.CURVE3:
            out.append(f"Q{points[j][0]} {points[j][1]} {points[j + 1][0]} {points[j + 1][1]}")
            j += 2
        elif code == Path.CURVE4:
            p = points[j : j + 3]
            out.append(f"C{p[0][0]} {p[0][1]} {p[1][0]} {p[1][1]} {p[2][0]} {p[2][1]}")
            j += 3
        else:  # CLOSEPOLY (its vertex is ignored) or STOP
            out.append("Z")
            j += 1
    return "".join(out)


class FormulaSet:
    """Typesets formulas as inline SVG that share one set of glyph outlines."""

    def __init__(self) -> None:
        self._text2path = TextToPath()
        self._prop = FontProperties(size=12)
        self._glyphs: OrderedDict[str, str] = OrderedDict()  # glyph key -> element id
        self._paths: list[str] = []

    def _glyph_id(self, key: str, path: tuple[np.ndarray, np.ndarray] | None) -> str:
        if key not in self._glyphs:
            if path is None:
                raise KeyError(key)
            gid = f"sg{len(self._glyphs)}"
            self._glyphs[key] = gid
            self._paths.append(f'<path id="{gid}" transform="scale(0.015625)" d="{_path_data(*path)}"/>')
        return self._glyphs[key]

    def svg(self, latex: str) -> str:
        """``<svg>`` of the mathtext ``$latex$`` (title: the LaTeX source).

        Raises
        ------
        ValueError
            When mathtext cannot parse the LaTeX.
        """
        source = f"${latex}$"
        glyph_map = OrderedDict((key, None) for key in self._glyphs)
        info, new, rects = self._text2path.get_glyphs_mathtext(
            self._prop, source, glyph_map=glyph_map, return_new_glyphs_only=True
        )
        width, height, depth, _, _ = self._text2path.mathtext_parser.parse(
            source, self._text2path.DPI, FontProperties(size=self._text2path.FONT_SCALE)
        )
        uses = []
        for key, x, y, scale in info:
            gid = self._glyph_id(key, new.get(key))
            uses.append(f'<use href="#{gid}" transform="translate({x:.2f} {y:.2f}) scale({scale:.4f})"/>')
        for vertices, _codes in rects:
            xs = [v[0] for v in vertices[:4]]
            ys = [v[1] for v in vertices[:4]]
            uses.append(
                f'<rect x="{min(xs):.2f}" y="{min(ys):.2f}" width="{max(xs) - min(xs):.2f}" '
                f'height="{max(ys) - min(ys):.2f}"/>'
            )
        ascent = height - depth
        scale = FONT_PX / self._text2path.FONT_SCALE
        return (
            f'<svg class="formula" role="img" viewBox="0 {-ascent:.2f} {width:.2f} {height:.2f}" '
            f'width="{width * scale:.1f}" height="{height * scale:.1f}">'
            f"<title>{html.escape(latex)}</title>"
            f'<g transform="scale(1 -1)">{"".join(uses)}</g></svg>'
        )

    def defs(self) -> str:
        """The hidden ``<svg>`` holding the outline of every glyph used so far."""
        return (
            '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
            + "".join(self._paths)
            + "</defs></svg>"
        )
