"""The verification campaigns of THEORY §6, by name.

Each campaign lives in its own module, which defines ``CAMPAIGN`` (a
:class:`~verification.campaign.Campaign`); modules are imported on first use so
that the CLI starts fast and a worker imports only what it runs.
"""

from __future__ import annotations

import difflib
import importlib

from stl_bounds.errors import ParameterError
from verification.campaign import Campaign

__all__ = ["DEFAULT", "MODULES", "OPT_IN", "get_campaign", "names"]

#: Campaign name → module defining it, in the order a full run executes them (the default set).
DEFAULT = {
    "closed_forms": "verification.campaigns.closed_forms",
    "shift_recursion": "verification.campaigns.shift_recursion",
    "rate_validity": "verification.campaigns.rate_validity",
    "recursive_stability": "verification.campaigns.recursive_stability",
    "claims": "verification.campaigns.loop_claims",
}
#: The transformer campaigns (torch): still being calibrated, so they run only when named.
OPT_IN = {
    "icl_anchor": "verification.campaigns.icl_anchor",
    "icl_loop": "verification.campaigns.icl_loop",
    "icl_stability": "verification.campaigns.icl_stability",
}
MODULES = {**DEFAULT, **OPT_IN}


def names(*, opt_in: bool = False) -> list[str]:
    """Campaign names in run order: the default set, or every campaign with ``opt_in``."""
    return list(MODULES if opt_in else DEFAULT)


def get_campaign(name: str) -> Campaign:
    """The campaign called ``name``.

    Raises
    ------
    ParameterError
        For an unknown name, listing the known ones.
    """
    module = MODULES.get(name)
    if module is None:
        close = difflib.get_close_matches(str(name), MODULES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ParameterError(f"campaign must be one of {', '.join(MODULES)}; got {name!r}{hint}")
    return importlib.import_module(module).CAMPAIGN
