"""What a publication figure declares: its data (from the registry and campaign records) and how it is drawn.

A :class:`FigureSpec` is a small declarative object, like a
:class:`~stl_bounds.Bound` or a verification campaign.  It separates

* ``data(records)`` — *what is plotted*: a JSON-ready mapping of numbers,
  computed only from registry evaluations (:func:`stl_bounds.get`) and from
  campaign records of ``stl-bounds verify`` (``results.json``); the figure's
  manifest stores a hash of it, and the tests compare it with the registry and
  the records;
* ``draw(fig, data)`` — *how it looks*: matplotlib's object-oriented API on a
  :class:`matplotlib.figure.Figure`, reading nothing but ``data``.

A figure that needs a campaign record which is absent or was skipped (e.g. the
transformer figure without torch) raises :class:`FigureSkipped` from ``data``
with the reason; the renderer reports it as a skip note, not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from stl_bounds.errors import StlBoundsError

__all__ = ["FigureSkipped", "FigureSpec", "Records", "matching_tasks"]


class FigureSkipped(StlBoundsError):
    """A figure cannot be drawn from the inputs at hand (a campaign record is missing or was skipped)."""


class Records(Mapping[str, Mapping[str, Any]]):
    """Campaign records of a verification run by campaign name (``results.json["campaigns"]``), read-only."""

    def __init__(self, campaigns: Mapping[str, Mapping[str, Any]] | None = None, *, seed: int | None = None) -> None:
        self._campaigns = dict(campaigns or {})
        self.seed = seed

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        return self._campaigns[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._campaigns)

    def __len__(self) -> int:
        return len(self._campaigns)

    def require(self, name: str) -> Mapping[str, Any]:
        """The record of campaign ``name``; :class:`FigureSkipped` when it is absent or was skipped."""
        record = self._campaigns.get(name)
        if record is None:
            raise FigureSkipped(f"needs the campaign record {name!r} (run `stl-bounds verify {name}`)")
        if record.get("status") == "skipped":
            raise FigureSkipped(
                f"needs the record of campaign {name!r}; {record.get('skip_reason') or 'it was skipped'}"
            )
        return record


def matching_tasks(record: Mapping[str, Any], **params: Any) -> list[Mapping[str, Any]]:
    """The tasks of a campaign ``record`` whose parameters (or ``params["sim"]``) include every ``params`` item."""

    def flat(task: Mapping[str, Any]) -> dict[str, Any]:
        p = dict(task["params"])
        return {**p, **p.pop("sim", {})}

    return [t for t in record["tasks"] if all(flat(t).get(k) == v for k, v in params.items())]


@dataclass(frozen=True)
class FigureSpec:
    """A publication figure.

    Attributes
    ----------
    name
        Stable name, the stem of its files (``name.pdf``, ``name.png``, ``name.json``).
    caption
        One or two sentences: what is shown and what it shows, for the report and the README.
    theory
        The docs/theory.md sections it illustrates.
    bound_ids
        Registry ids whose evaluations are plotted.
    campaigns
        Campaign records it plots (empty for figures of the calculator alone).
    parameters
        The fixed parameters of the plotted evaluations (recorded in the manifest).
    data
        ``data(records) -> mapping``: the plotted numbers (JSON-ready), see the module docstring.
    draw
        ``draw(fig, data) -> None``: draws on ``fig`` from ``data`` alone.
    aspect
        Height over width of the figure.
    column_aspect
        Height over width when the style is narrower than the text width (a one-column venue), if different.
    full_width
        Drawn at the full text width (:data:`~stl_bounds.styles.TEXT_WIDTH`) whatever the venue overlay, as
        multi-panel figures need; otherwise the width of the style (one column with ``onecolumn``).
    requires_torch
        Whether its records come from the torch path (the report notes the skip without torch).
    """

    name: str
    caption: str
    theory: str
    bound_ids: tuple[str, ...]
    campaigns: tuple[str, ...]
    data: Callable[[Records], Mapping[str, Any]]
    draw: Callable[[Figure, Mapping[str, Any]], None]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    aspect: float = 0.385
    column_aspect: float | None = None
    full_width: bool = False
    requires_torch: bool = False
