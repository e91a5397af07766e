"""The bound explorer (issue 11): every registered bound, interactive, in one self-contained web page.

``stl-bounds explore [ID ...] [--bounds FILE ...] --out explorer.html`` (:mod:`stl_bounds.explorer.cli`)
writes the page of :func:`stl_bounds.explorer.page.explorer_html`; the report writes ``report/explorer.html``.
The formulas are compiled to JavaScript by :mod:`stl_bounds.explorer.jscode`.  Nothing is imported here,
so that the command line starts fast (the page's modules import matplotlib and sympy's printers).
"""
