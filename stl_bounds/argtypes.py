"""argparse value types shared by every subcommand: integers with a lower end and finite numbers.

Their messages name the form expected and quote what was typed, and explain a thousands separator or a
decimal comma (``10,000``, ``0,5``) instead of reading it as something else.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["finite_float", "int_at_least", "separator_hint"]


def int_at_least(lowest: int) -> Callable[[str], int]:
    """An argparse type: an integer ≥ ``lowest``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lowest}; got {text!r}{separator_hint(text)}")
        return value

    return parse


def separator_hint(text: str) -> str:
    """``(no separators: write 10000)`` for ``10,000``; a decimal comma is named too (``0,5``: write ``0.5``)."""
    if "," not in text:
        return ""
    head, _, tail = text.partition(",")
    if "," not in tail and len(tail) != 3:
        return f" (a decimal comma? write {head}.{tail})"
    return f" (no separators: write {text.replace(',', '')})"


def finite_float(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}{separator_hint(text)}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number; got {text!r}")
    return value
