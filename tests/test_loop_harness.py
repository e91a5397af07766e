"""The loop harness (verification/harness): known laws per regime, seeding, resume, the protocol's checks, --fit-bound.

Monte Carlo checks are seeded z-tests against closed forms of docs/theory.md §5 (Bonferroni over the
generations tested, family level 1e-3, as the campaigns of docs/theory.md §6.2).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from stl_bounds.registry import get
from verification.chunks import ChunkError
from verification.harness.catalog import resolve
from verification.harness.fitbound import kappa_from_recursion
from verification.harness.protocol import CATEGORICAL, CONTINUOUS, ModelError, Where, check_points
from verification.harness.run import run_loop
from verification.harness.simulate import simulate_chunk
from verification.harness.spec import LoopSpec
from verification.stats import Moments, bonferroni_threshold

ALPHA = 1e-3


def _moments(spec: LoopSpec, name: str) -> Moments:
    return Moments.from_dict(simulate_chunk(resolve(spec), 0, spec.replicates)[name])


def _assert_law(m: Moments, exact: np.ndarray, what: str) -> None:
    z = (np.asarray(m.mean) - exact) / np.asarray(m.se)
    threshold = bonferroni_threshold(ALPHA, exact.size)
    assert np.all(np.abs(z) < threshold), f"{what}: z = {np.round(z, 2)} (threshold {threshold:.2f})"


# --- known laws ----------------------------------------------------------------------------------
def test_gaussian_replace_mle_variance_law_in_two_dimensions() -> None:
    """docs/theory.md §5.1: MLE replace, E tr Σ̂_t = tr Σ (1 − 1/n)^t, and E μ̂_t = 0."""
    n, g = 8, 4
    spec = LoopSpec(model="gaussian", regime="replace", n=n, generations=g, replicates=300, d=2, eval_size=2, seed=1)
    records = simulate_chunk(resolve(spec), 0, spec.replicates)
    _assert_law(Moments.from_dict(records["cov_trace"]), 2 * (1 - 1 / n) ** np.arange(1, g + 1), "cov_trace")
    _assert_law(Moments.from_dict(records["mean"]), np.zeros((g, 2)), "mean")


def _diversity(regime: str, n: int, g: int, h0: float, lam: float = 0.0) -> np.ndarray:
    """E H(p_t), t = 1..g, of docs/theory.md §5.7 (written from the section, not from the code under test)."""
    t = np.arange(1, g + 1)
    if regime == "replace":
        return h0 * (1 - 1 / n) ** t
    if regime == "fresh":
        v = [1 / n]
        for _ in range(g - 1):
            v.append(1 / n + (1 - lam) * (1 - lam - 1 / n) * v[-1])
        return h0 * (1 - np.array(v))
    if regime == "accumulate":
        return h0 * np.cumprod(1 - 1 / (n * t**2))
    f = (t - 1) * n / (t * n - 1)
    h = [1 - 1 / n]
    for k in range(2, g + 1):
        h.append(h[-1] * (1 - (1 + f[k - 2] * (1 - 1 / n)) / (n * k**2)))
    return h0 * np.array(h) * (1 - f / n)


@pytest.mark.parametrize(
    ("regime", "lam"), [("replace", None), ("fresh", 0.5), ("accumulate", None), ("accumulate_subsample", None)]
)
def test_categorical_diversity_laws(regime: str, lam: float | None) -> None:
    """docs/theory.md §5.7: E H(p_t) for uniform p⁰ over K = 3 categories (the cov_trace of one-hot vectors)."""
    n, g, k = 10, 4, 3
    spec = LoopSpec(
        model="categorical", regime=regime, lam=lam, n=n, generations=g, replicates=300, categories=k, eval_size=2
    )
    exact = _diversity(regime, n, g, 1 - 1 / k, lam or 0.0)
    _assert_law(_moments(spec, "cov_trace"), exact, f"{regime} diversity")


def test_plug_in_diversity_of_a_sample_only_model_is_unbiased(monkeypatch: pytest.MonkeyPatch) -> None:
    """A categorical model without ``probabilities``: the trace m/(m−1)(1 − Σ p̂²) of its evaluation sample
    is unbiased for H(p_t), so replace still follows E H(p_t) = H₀(1 − 1/n)^t (docs/theory.md §5.7)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    n, g = 10, 3
    spec = LoopSpec(model="loop_user_models:HiddenCounts", regime="replace", n=n, generations=g, replicates=300,
                    categories=3, eval_size=5, seed=4)  # fmt: skip
    _assert_law(_moments(spec, "cov_trace"), (2 / 3) * (1 - 1 / n) ** np.arange(1, g + 1), "plug-in diversity")


def test_kde_replace_variance_grows_geometrically() -> None:
    """docs/theory.md §5.8: E v_t = σ²(1 − 1/n)ρ^{t−1}; the KDE law's variance is v_t·(1 + n^{-2/5} n/(n−1))."""
    n, g = 20, 3
    spec = LoopSpec(model="kde", regime="replace", n=n, generations=g, replicates=300, eval_size=2, seed=2)
    rho = 1 - 1 / n + n ** (-0.4)
    exact = (1 + n ** (-0.4) * n / (n - 1)) * (1 - 1 / n) * rho ** np.arange(g)
    _assert_law(_moments(spec, "cov_trace"), exact, "kde variance")


def test_reused_at_lam_one_refits_the_same_real_points() -> None:
    spec = LoopSpec(model="gaussian", regime="reused", lam=1.0, n=6, generations=3, replicates=4, eval_size=2)
    mean = np.asarray(_moments(spec, "cov_trace").mean)
    assert mean[0] == mean[1] == mean[2]


def test_coupled_categorical_gamma_at_generation_zero() -> None:
    """γ̂_0 = TV of two empirical laws one point apart: 1/n when the swapped point changes category, so E γ̂_0 = H₀/n."""
    n, k = 10, 3
    spec = LoopSpec(
        model="categorical", regime="fresh", lam=0.5, n=n, generations=2, replicates=300, categories=k, coupled=True
    )
    gamma = _moments(spec, "gamma")
    _assert_law(Moments(gamma.count, gamma.mean[:1], gamma.m2[:1]), np.array([(1 - 1 / k) / n]), "gamma_0")


def test_exact_tv_uses_the_real_samplers_probabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``probabilities`` on both sides the TV is exact: E TV(p̂_1, p⁰) over n = 1 is Σ_k p_k (1 − p_k)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    p = np.array([0.6, 0.3, 0.1])
    spec = LoopSpec(model="categorical", real="loop_user_models:loaded", regime="replace", n=2, generations=1,
                    replicates=300, categories=3, eval_size=2)  # fmt: skip
    # one fit on 2 points: TV(p̂, p) = ½ Σ_k |N_k/2 − p_k| with N_k ~ Binomial(2, p_k)
    expected = 0.5 * sum(
        sum(abs(j / 2 - pk) * [(1 - pk) ** 2, 2 * pk * (1 - pk), pk**2][j] for j in range(3)) for pk in p
    )
    _assert_law(_moments(spec, "tv"), np.array([expected]), "tv")


# --- seeding, chunks and resume ------------------------------------------------------------------
def _spec(**changes: object) -> LoopSpec:
    settings = {"model": "kde", "regime": "fresh", "lam": 0.5, "n": 10, "generations": 3, "replicates": 6,
                "eval_size": 20, "chunk_size": 2, "coupled": True}  # fmt: skip
    return LoopSpec(**{**settings, **changes})


def _run(spec: LoopSpec, out: Path, **kw: object) -> dict:
    return run_loop(spec, out=out, executor="inprocess", workers=1, figure=False, progress=False, **kw)


def test_same_seed_same_results_other_seed_other_results(tmp_path: Path) -> None:
    a, b, c = _run(_spec(), tmp_path / "a"), _run(_spec(), tmp_path / "b"), _run(_spec(seed=1), tmp_path / "c")
    assert a == b
    assert (tmp_path / "a" / "results.json").read_bytes() == (tmp_path / "b" / "results.json").read_bytes()
    assert a["records"]["wasserstein"] != c["records"]["wasserstein"]


def test_resume_after_losing_chunks_gives_identical_results(tmp_path: Path) -> None:
    full = _run(_spec(), tmp_path / "full")
    part = tmp_path / "part"
    shutil.copytree(tmp_path / "full" / "chunks", part / "chunks")
    (part / "chunks" / "loop" / "t000-c00001.json").unlink()
    with pytest.raises(ChunkError, match="--resume"):
        _run(_spec(), part)
    assert _run(_spec(), part, resume=True) == full
    assert (part / "results.json").read_bytes() == (tmp_path / "full" / "results.json").read_bytes()


def test_resume_refuses_chunks_of_another_seed(tmp_path: Path) -> None:
    _run(_spec(), tmp_path)
    with pytest.raises(ChunkError, match="belongs to another run: seed=0"):
        _run(_spec(seed=3), tmp_path, resume=True)


def test_process_pool_gives_the_inprocess_numbers(tmp_path: Path) -> None:
    spec = _spec(model="gaussian")
    inproc = _run(spec, tmp_path / "a")
    pooled = run_loop(spec, out=tmp_path / "b", executor="process", workers=2, figure=False, progress=False)
    assert pooled == inproc


# --- the protocol's checks (broken input fails, naming what broke) -------------------------------
WHERE = Where("model factory mine:make", 4, 7)


@pytest.mark.parametrize(
    ("points", "kind", "message"),
    [
        ([[0.0]] * 3, CONTINUOUS, "returned list, expected a numpy array"),
        (np.zeros((3, 2)), CONTINUOUS, r"returned shape \(3, 2\), expected \(3, 1\)"),
        (np.zeros((3, 1), dtype=int), CONTINUOUS, "returned dtype int64, expected a floating dtype"),
        (np.array([[0.0], [np.inf], [np.nan]]), CONTINUOUS, "returned 2 non-finite values"),
        (np.zeros(3), CATEGORICAL, "returned dtype float64, expected an integer dtype"),
        (np.array([0, 1, 5]), CATEGORICAL, r"returned categories in \[0, 5\], expected 0 .. 3"),
        (np.zeros((3, 1), dtype=int), CATEGORICAL, r"returned shape \(3, 1\), expected \(3,\)"),
    ],
)
def test_check_points_rejects_bad_output(points: object, kind: str, message: str) -> None:
    points = np.asarray(points) if not isinstance(points, list) else points
    with pytest.raises(ModelError, match=message) as info:
        check_points(points, size=3, kind=kind, d=1, categories=4, where=WHERE, method="sample")
    assert str(info.value).startswith("model factory mine:make: sample returned")
    assert str(info.value).endswith("at generation 4 (replicate 7)")


def test_check_points_accepts_good_output() -> None:
    out = check_points(np.zeros(3), size=3, kind=CONTINUOUS, d=1, categories=0, where=WHERE, method="sample")
    assert out.shape == (3, 1)
    cats = check_points(np.array([0, 3, 1]), size=3, kind=CATEGORICAL, d=1, categories=4, where=WHERE, method="s")
    assert cats.tolist() == [0, 3, 1]


# --- --fit-bound -------------------------------------------------------------------------------
def test_kappa_from_recursion_recovers_a_known_amplification() -> None:
    lam, kappa, eps = 0.25, 1.2, 0.01
    x = [eps]
    for _ in range(6):
        x.append(eps + (1 - lam) * kappa * x[-1])
    assert kappa_from_recursion(np.array(x), np.full(7, eps), lam) == pytest.approx(kappa)
    shrinking = np.array([0.3, 0.1, 0.05])
    assert kappa_from_recursion(shrinking, np.full(3, 0.2), lam) == 0.0
    assert kappa_from_recursion(np.array(x), np.full(7, eps), 1.0) is None


def test_fit_bound_numbers_come_from_the_registry(tmp_path: Path) -> None:
    spec = LoopSpec(model="categorical", regime="fresh", lam=0.5, n=20, generations=4, replicates=16, eval_size=2)
    doc = _run(spec, tmp_path, fit=True, fit_bound_target=0.3)
    fit = doc["fit_bound"]
    assert fit["units"] == "total variation" and 0 < fit["eps"] <= 1 and fit["kappa"] >= 0
    learning = doc["records"]["learning_error"]
    assert fit["eps"] == pytest.approx(max(learning["ci_high"]))
    shift = get("lemma.amplified_shift").evaluate(eps=fit["eps"], kappa=fit["kappa"], lam=0.5, i=3)
    assert fit["bounds"]["lemma.amplified_shift"]["value"] == pytest.approx(shift.value, rel=1e-12)
    lam = float(fit["calibration"]["lemma.amplified_shift"]["value"])
    bound = get("lemma.amplified_shift")
    at, below = (bound.evaluate(eps=fit["eps"], kappa=fit["kappa"], lam=x, i=3).value for x in (lam, lam - 1e-3))
    assert at <= 0.3 < below  # the smallest lam: the bound meets the target there and not just below it


# --- scikit-learn ------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["gaussian_mixture", "kernel_density"])
def test_sklearn_models_run_in_the_loop(model: str, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    spec = LoopSpec(model=model, regime="replace", n=40, generations=2, replicates=2, eval_size=50)
    doc = _run(spec, tmp_path)
    assert doc["software"]["scikit-learn"]
    assert all(np.isfinite(doc["records"]["wasserstein"]["mean"])) and min(doc["records"]["cov_trace"]["mean"]) > 0
