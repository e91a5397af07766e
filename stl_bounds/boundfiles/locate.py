"""Line numbers of TOML keys, for error messages (``tomllib`` reports no positions of valid keys).

The file text is scanned once: table headers (``[parameters.lam]``) and key lines
(``default = 0.5``, ``shift.lam = "..."``, ``lam = { ... }``) are recorded under
their full key path.  A path that has no line of its own (a key inside an inline
table) is given the line of its closest recorded ancestor.  Lines inside
multi-line strings are skipped.  The scan is best effort: it never raises, and
an unknown path has no line.
"""

from __future__ import annotations

import re

__all__ = ["KeyLocator"]

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\]|\\.)*"'
_LITERAL = r"'[^']*'"
_KEY = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"\s*\[\[?\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?")
_KEY_LINE = re.compile(rf"\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def _split(dotted: str) -> tuple[str, ...]:
    """``a."b.c".d`` → ``("a", "b.c", "d")`` (escape sequences are not decoded)."""
    return tuple(p[1:-1] if p[0] in "\"'" else p for p in _PART.findall(dotted))


class KeyLocator:
    """Key path → 1-based line number in one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.fullmatch(line)
            if header is not None:
                table = _split(header[1])
                self._lines.setdefault(table, number)
                continue
            key = _KEY_LINE.match(line)
            if key is not None:
                self._lines.setdefault(table + _split(key[1]), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote
                    break

    def line(self, path: tuple[str, ...]) -> int | None:
        """The line of ``path`` or of its closest ancestor with a line; ``None`` if neither."""
        for end in range(len(path), 0, -1):
            found = self._lines.get(path[:end])
            if found is not None:
                return found
        return None
