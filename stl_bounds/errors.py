"""Exceptions raised by stl-bounds.

Every error that a user can cause (a bad parameter, an unknown id, a malformed
grid) is a :class:`StlBoundsError` with a one-line message that names the
offending input, the allowed set and the value found.  The CLI turns these into
exit code 2 without a traceback.
"""

from __future__ import annotations


class StlBoundsError(Exception):
    """Base class of every error that stl-bounds raises on purpose."""


class ParameterError(StlBoundsError, ValueError):
    """A parameter is unknown, missing, out of its domain or of the wrong type."""


class BoundFileError(ParameterError):
    """A bound file (TOML) is unreadable or invalid; nothing of it is registered.

    The one-line message names the file, the line and the key, e.g.
    ``mylab.toml:12: terms.shift: attribute access is not allowed: `os.system```.
    """


class UnknownIdError(StlBoundsError, LookupError):
    """No registered object has the requested id."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class GridError(ParameterError):
    """A grid specification such as ``n=1e2:1e6:log:20`` is malformed."""


class EvaluationError(StlBoundsError, ArithmeticError):
    """A numeric evaluation overflowed or produced an invalid value."""


class CalibrationError(StlBoundsError):
    """An inverse problem (minimum lambda or n) has no solution in the searched range."""


def unknown_choice(what: str, name: object, known: list[str] | tuple[str, ...] | dict[str, object]) -> ParameterError:
    """The error for a name outside ``known``: lists the choices and suggests the closest one (difflib)."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return ParameterError(f"{what} must be one of {', '.join(known)}; got {name!r}{hint}")
