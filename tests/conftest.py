"""Shared pytest configuration: hypothesis profiles, the Agg backend, and the session's quick report.

``ci-stl`` (loaded when the environment variable CI is set: derandomized, no example database, so a CI
run is the same on every machine), ``dev`` (default: fast, 50 examples, random) and ``thorough`` (1000
examples); choose with ``HYPOTHESIS_PROFILE=thorough pytest``.  Every profile prints the blob that
replays a failure (``@reproduce_failure``), and a dev run is reproduced with ``--hypothesis-seed=N``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None, print_blob=True)
settings.register_profile(
    "ci-stl",
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run and machine: CI is deterministic
    database=None,  # no replay of examples saved by earlier runs
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci-stl" if os.environ.get("CI") else "dev"))

matplotlib.use("Agg")  # figures render headless in every test


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """``stl-bounds report --quick`` run once per session: its exit status and its folder.

    The report runs every verification campaign in quick mode (seed 0) and renders every figure; the figure
    tests reuse its records (:func:`campaign_records`) instead of running the campaigns again.
    """
    from stl_bounds.cli import main

    out = tmp_path_factory.mktemp("quick_report") / "report"
    code = main(["report", "--quick", "--out", str(out), "--workers", "2", "--no-progress"])
    return code, out


@pytest.fixture(scope="session")
def campaign_records(quick_report: tuple[int, Path]):
    """Records of the quick report's verification run (seed 0): every campaign the figures plot.

    Returns a :class:`stl_bounds.figures.Records`; torch campaigns are recorded as skipped when torch is missing.
    """
    from stl_bounds.figures.records import check_document

    _, out = quick_report
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return check_document(document["verification"], str(out))


@pytest.fixture
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every built-in registered first, then a copy of the registry (and of its sources) that the test may
    change; bound files named by ``STL_BOUNDS_PATH`` and plugins are not loaded."""
    from stl_bounds import registry

    monkeypatch.setattr(registry, "_external", "done")
    registry.list_ids()
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "_SOURCES", dict(registry._SOURCES))
    monkeypatch.delenv("STL_BOUNDS_PATH", raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the end-to-end quick report (about two minutes on two cores) is ``slow``: it runs
    in CI's separate slow step (``python3 -m pytest -m slow``), which keeps the default run short."""
    for item in items:
        if "quick_report" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
