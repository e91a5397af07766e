"""Shared pytest configuration: hypothesis profiles.

``ci`` (hypothesis' built-in profile, loaded when CI=true), ``dev`` (default:
fast, 50 examples) and ``thorough`` (1000 examples); choose with
``HYPOTHESIS_PROFILE=thorough pytest``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.register_profile(
    "ci-stl", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci-stl" if os.environ.get("CI") else "dev"))
