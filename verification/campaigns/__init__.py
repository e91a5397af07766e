"""The verification campaigns of docs/theory.md §6, by name.

Each campaign lives in its own module, which defines ``CAMPAIGN`` (a
:class:`~verification.campaign.Campaign`); modules are imported on first use so
that the CLI starts fast and a worker imports only what it runs.
"""

from __future__ import annotations

import importlib

from stl_bounds.errors import unknown_choice
from verification.campaign import Campaign

__all__ = ["MODULES", "get_campaign", "names"]

#: Campaign name → module defining it, in the order a run executes them.
MODULES = {
    "closed_forms": "verification.campaigns.closed_forms",
    "shift_recursion": "verification.campaigns.shift_recursion",
    "rate_validity": "verification.campaigns.rate_validity",
    "recursive_stability": "verification.campaigns.recursive_stability",
    "amplified_threshold": "verification.campaigns.amplified_threshold",
    "claims": "verification.campaigns.loop_claims",
    "categorical_loops": "verification.campaigns.categorical_loops",
    "kde_loops": "verification.campaigns.kde_loops",
    # the transformer path (torch; recorded as skipped, with the install command, without it)
    "icl_anchor": "verification.campaigns.icl_anchor",
    "icl_loop": "verification.campaigns.icl_loop",
    "icl_stability": "verification.campaigns.icl_stability",
}


def names() -> list[str]:
    """Campaign names in run order (a run without names runs them all)."""
    return list(MODULES)


def get_campaign(name: str) -> Campaign:
    """The campaign called ``name``.

    Raises
    ------
    ParameterError
        For an unknown name, listing the known ones.
    """
    module = MODULES.get(name)
    if module is None:
        raise unknown_choice("campaign", name, MODULES)
    return importlib.import_module(module).CAMPAIGN
