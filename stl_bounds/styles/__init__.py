"""Matplotlib styles shipped with stl-bounds (package data, independent of the theory).

Use them by their dotted names (matplotlib ≥ 3.7 loads styles from packages)::

    import matplotlib.pyplot as plt
    plt.style.use(["stl_bounds.styles.paper", "stl_bounds.styles.onecolumn"])

* ``paper`` — the base style: a two-column-wide figure (6.75 in), serif text
  with mathtext (Computer Modern math; no LaTeX needed), the Okabe–Ito
  colour-blind-safe cycle with distinct line styles, light grid, no top/right
  spines, TrueType fonts embedded in PDFs.
* ``onecolumn`` — a venue overlay: one-column width (3.25 in) and smaller text.
"""

#: Full text width of the base style, in inches (multi-panel figures keep it under a venue overlay).
TEXT_WIDTH = 6.75
#: The base style and the venue overlays, by dotted name.
BASE = "stl_bounds.styles.paper"
VENUES = {"onecolumn": "stl_bounds.styles.onecolumn"}
