"""Warnings of the command line: one clean line each on stderr, or none when known harmless (issue 12 §3).

Python shows a warning as ``/path/file.py:123: RuntimeWarning: message`` followed by
the source line that raised it: noise for a user of ``stl-bounds``, who did not write
that code.  Inside :func:`warnings_as_lines` a warning that passes the active filters
(``python -W`` and ``PYTHONWARNINGS`` still apply) is printed instead as::

    stl-bounds: warning: divide by zero encountered in log (RuntimeWarning)

and these known-harmless warnings are dropped:

* deprecation notices (``DeprecationWarning``, ``PendingDeprecationWarning``,
  ``FutureWarning``) raised outside ``stl_bounds`` and ``verification``: they
  address whoever calls the library (sympy, matplotlib, dask, ...), not the user
  of the command line, who can do nothing about them;
* the note that a campaign was skipped (``icl_loop skipped: torch is not
  installed; ...``): the summary of the command reports every skipped campaign
  with its reason and install command.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

__all__ = ["is_harmless", "one_line", "warnings_as_lines"]

#: Categories of deprecation notices.
DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)

#: Source folders whose own deprecation notices are shown (they concern the user of this tool).
_OWN_FOLDERS = tuple(str(Path(__file__).resolve().parent.parent / name) for name in ("stl_bounds", "verification"))

#: The note of a campaign skipped for a missing optional dependency (reported again by the summary).
_SKIPPED_CAMPAIGN = re.compile(r"\w+ skipped: ")


def is_harmless(message: str, category: type[Warning], filename: str) -> bool:
    """Whether the warning is dropped from the command line (see the module docstring)."""
    if issubclass(category, DEPRECATIONS):
        return not str(Path(filename).resolve()).startswith(_OWN_FOLDERS)
    return issubclass(category, UserWarning) and _SKIPPED_CAMPAIGN.match(message) is not None


def one_line(prog: str, message: str, category: type[Warning]) -> str:
    """``<prog>: warning: <message>``, the message on one line, the category named unless a plain UserWarning."""
    text = " ".join(message.split()) or category.__name__
    return f"{prog}: warning: {text}" + ("" if category is UserWarning else f" ({category.__name__})")


@contextmanager
def warnings_as_lines(prog: str = "stl-bounds") -> Iterator[None]:
    """Show the warnings raised inside the block as :func:`one_line` on ``sys.stderr``; drop the harmless ones.

    Only :func:`warnings.showwarning` is replaced (and restored on exit): the filters stay
    as they are, so ``-W error`` still turns a warning into an exception.
    """
    previous = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> Any:
        if not is_harmless(str(message), category, filename):
            print(one_line(prog, str(message), category), file=sys.stderr)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous
