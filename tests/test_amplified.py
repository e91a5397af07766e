"""The amplified Gaussian loop (docs/theory.md §3 L4) and the campaign ``amplified_threshold`` (claim C4, §6.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import stl_bounds
import verification
from stl_bounds.errors import ParameterError
from verification.amplified import amplified_means, exact_moments, shift
from verification.campaigns import get_campaign, names
from verification.campaigns.amplified_threshold import NOT_JUDGED, TAU, classify
from verification.stats import Moments, bonferroni_threshold, zscore
from verification.tv import gaussian_tv

ALPHA = 1e-3


@pytest.mark.parametrize(
    ("lam", "kappa", "mu0"),
    [(0.5, 1.5, 1.0), (0.2, 2.0, -0.5), (0.0, 0.5, 2.0), (1.0, 3.0, 1.0)],  # ρ = 0.75, 1.6, 0.5, 0
)
def test_mean_and_variance_follow_the_exact_recursions(lam: float, kappa: float, mu0: float) -> None:
    n, generations, replicates = 20, 8, 20000
    mu = amplified_means(
        n=n, lam=lam, kappa=kappa, generations=generations, replicates=replicates, rng=np.random.default_rng(7), mu0=mu0
    )
    mean, var = exact_moments(n=n, lam=lam, kappa=kappa, generations=generations, mu0=mu0)
    rho = stl_bounds.get("lemma.amplified_shift").evaluate(lam=lam, kappa=kappa).diagnostics["rho"]
    np.testing.assert_allclose(mean, mu0 * rho ** np.arange(generations + 1), rtol=1e-12)  # E μ_i = ρ^i μ_0
    first = Moments.of(mu)
    second = Moments.of((mu - mean) ** 2)  # E (μ_i − E μ_i)² = Var μ_i
    z = np.concatenate([zscore(first.mean, first.se, mean), zscore(second.mean, second.se, var)])
    assert np.max(np.abs(z)) < bonferroni_threshold(ALPHA, z.size), z


def test_variance_is_stationary_iff_rho_below_one() -> None:
    _, converging = exact_moments(n=10, lam=0.5, kappa=1.5, generations=200)  # ρ = 0.75
    assert converging[-1] == pytest.approx(1.5**2 / 10 / (1 - 0.75**2), rel=1e-12)
    _, critical = exact_moments(n=10, lam=0.5, kappa=2.0, generations=50)  # ρ = 1: linear
    np.testing.assert_allclose(critical, 0.4 * np.arange(51), rtol=1e-12)


def test_same_seed_same_trajectories_and_other_seed_other() -> None:
    def draw(seed: int) -> np.ndarray:
        return amplified_means(n=10, lam=0.3, kappa=2.0, generations=5, replicates=7, rng=np.random.default_rng(seed))

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))


def test_shift_is_the_total_variation_between_unit_gaussians() -> None:
    mu = np.array([0.0, 1e-3, 0.3, -1.2, 4.0, 50.0])
    np.testing.assert_allclose(shift(mu), gaussian_tv(mu, 1.0, 0.0, 1.0), rtol=1e-9, atol=1e-15)
    assert shift(0.0) == 0.0 and shift(1e3) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lam": 1.2}, "lam must be"),
        ({"lam": 0.33}, "lam\\*n must be an integer"),
        ({"n": 0}, "n must be"),
        ({"n": 2.5}, "n must be"),
        ({"kappa": -1.0}, "kappa must be"),
        ({"kappa": float("nan")}, "kappa must be"),
        ({"generations": 0}, "generations must be"),
        ({"replicates": 0}, "replicates must be"),
        ({"mu0": float("inf")}, "mu0 must be"),
        ({"lam": 0.0, "kappa": 10.0, "generations": 200}, "generations must be <="),
    ],
)
def test_bad_input_is_a_parameter_error(kwargs: dict, match: str) -> None:
    params = {"n": 10, "lam": 0.5, "kappa": 1.0, "generations": 5, "replicates": 3, **kwargs}
    with pytest.raises(ParameterError, match=match):
        amplified_means(**params, rng=np.random.default_rng(0))


def test_campaign_rejects_a_zero_amplification() -> None:
    campaign = get_campaign("amplified_threshold")
    with pytest.raises(ParameterError, match="kappa must be > 0"):
        campaign.validate({"lam": 0.5, "kappa": 0.0, "n": 100, "generations": 60})


def test_classify_rule() -> None:
    assert classify(0.0, 0.001, 4.0) == "converges"
    assert classify(2 * TAU, 0.001, 4.0) == "collapses"
    assert classify(TAU, 0.001, 4.0) == "undecided"
    assert classify(0.0, TAU, 4.0) == "undecided"  # too noisy to tell


def test_campaign_is_in_the_default_run() -> None:
    assert "amplified_threshold" in names()


def test_quick_run_passes_and_agrees_with_the_registry(tmp_path: Path) -> None:
    document = verification.run(["amplified_threshold"], mode="quick", seed=0, out=tmp_path, workers=2, progress=False)
    record = document["campaigns"]["amplified_threshold"]
    assert record["status"] == "pass", [c for c in record["checks"] if not c["passed"]]
    assert {c["name"] for c in record["checks"]} >= {"variance", "threshold[kappa=2]"}
    bound = stl_bounds.get("lemma.amplified_shift")
    judged = 0
    for task in record["tasks"]:
        d = task["data"]
        assert d["lam"] == task["params"]["lam"] and d["kappa"] == task["params"]["kappa"]
        registry = bound.evaluate(lam=d["lam"], kappa=d["kappa"])
        assert d["rho"] == pytest.approx(registry.diagnostics["rho"], rel=1e-15)
        assert d["regime"] == registry.regime
        assert 0.0 <= d["shift_last_mean"] <= 1.0 and d["shift_last_se"] >= 0.0
        if d["judged"]:
            judged += 1
            assert d["simulated"] == d["regime"]
    assert judged >= 100  # the margin leaves most of the grid judged
    # the per-κ summaries come from judged points only (|ρ − 1| ≥ MARGIN), e.g. κ = 1 starts converging at λ = 0.2
    for check in (c for c in record["checks"] if c["name"].startswith("threshold[")):
        kappa = float(check["name"].removeprefix("threshold[kappa=").removesuffix("]"))
        classes = {
            (t["data"]["lam"], t["data"]["simulated"])
            for t in record["tasks"]
            if t["data"]["judged"] and t["data"]["kappa"] == kappa
        }
        for key, cls in (("largest_lam_collapsed", "collapses"), ("smallest_lam_converged", "converges")):
            lams = [lam for lam, simulated in classes if simulated == cls]
            assert check["figures"][key] == ((max if cls == "collapses" else min)(lams) if lams else NOT_JUDGED)
    kappa1 = next(c["figures"] for c in record["checks"] if c["name"] == "threshold[kappa=1]")
    assert kappa1["smallest_lam_converged"] == 0.2 and kappa1["largest_lam_collapsed"] == NOT_JUDGED
