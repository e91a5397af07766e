r"""Campaign ``amplified_threshold``: claim C4, convergence iff λ > 1 − 1/κ, on an amplifying loop.

docs/theory.md §6.1 C4 and Lemma L4 (§3).  The simulator is the 1-D Gaussian loop of
:mod:`verification.amplified`: :math:`\mu_i = \rho\mu_{i-1} + \kappa\xi_i`,
:math:`\rho = (1-\lambda)\kappa`, :math:`\xi_i \sim N(0, 1/n)`, μ_0 = 0.  On a
grid of (λ, κ) with n = 100 and T = 60 generations:

* **classification** — per trajectory, the least-squares slope s of
  :math:`\log|\mu_i|` against i over the second half of the generations
  (i = T/2..T).  A stationary loop has E s = 0 (up to a transient of order
  :math:`\rho^{T}`); a collapsing one has :math:`\mu_i \approx \rho^i W`, so
  E s ≈ log ρ.  The cut τ = ½·log(1 + :data:`MARGIN`) lies half-way between 0
  and the slowest collapse judged, log(1 + MARGIN).  With the Bonferroni
  interval :math:`\bar s \pm z^* \mathrm{SE}`: ``converges`` if it lies inside
  (−τ, τ), ``collapses`` if it lies above τ, ``undecided`` otherwise.
* **threshold** (one check per κ) — at every λ with :math:`|\rho - 1| \ge`
  :data:`MARGIN`, the simulated class equals the regime of the registry's
  ``lemma.amplified_shift`` at (λ, κ) (ρ < 1 ``converges``, ρ > 1 ``collapses``);
  points nearer the boundary are reported, not judged (a finite horizon cannot
  tell ρ = 1.05 from ρ = 1).
* **variance** — :math:`E\mu_T^2` against the exact
  :math:`\operatorname{Var}\mu_T = (\kappa^2/n)\sum_{j<T}\rho^{2j}`
  (:func:`verification.amplified.exact_moments`; μ_T is Gaussian with mean 0, so
  μ_T² is a scaled χ²₁ and its mean has an honest standard error at every ρ):
  :math:`|z| < z^*` at every grid point.

z* (``z_threshold`` in the figures) is the two-sided Bonferroni normal quantile
:math:`\Phi^{-1}(1 - \alpha/(2k))` at family level α = 10⁻³ over the k tests of
the campaign (two per grid point).  Summary figures use judged points only: a
κ with no judged collapse (or convergence) reports ``none judged``, and a κ with
no judged point at all fails its check (nothing would be tested).  Per-task data for the phase
diagram: λ, κ, the registry's ρ and regime, the simulated class with the slope
interval, and the mean shift :math:`\Delta_i = 2\Phi(|\mu_i|/2) - 1` with its
standard error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from stl_bounds.errors import ParameterError
from verification.amplified import amplified_means, exact_moments, shift
from verification.amplified import validate as validate_loop
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.zcrit import ZThreshold
from verification.stats import Moments, zscore

__all__ = ["ALPHA", "CAMPAIGN", "KAPPAS", "LAMBDAS", "MARGIN", "NOT_JUDGED", "TAU"]

ALPHA = 1e-3
#: Grid points with |ρ − 1| below this are not judged.
MARGIN = 0.2
#: Cut of the slope of log|μ_i|: half-way between 0 (stationary) and log(1 + MARGIN) (slowest judged collapse).
TAU = 0.5 * math.log1p(MARGIN)
#: The grid: λ in steps of 0.05 (λn integral at n = 100), κ from damping to strong amplification.
LAMBDAS = tuple(round(0.05 * j, 2) for j in range(21))
KAPPAS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
_N, _GENERATIONS = 100, 60
_BOUND = "lemma.amplified_shift"
#: What a summary figure says when no judged point provides its value.
NOT_JUDGED = "none judged"


def tasks(mode: str) -> list[dict[str, Any]]:
    """One task per (κ, λ) of the grid; n = 100, T = 60."""
    return [{"lam": lam, "kappa": kappa, "n": _N, "generations": _GENERATIONS} for kappa in KAPPAS for lam in LAMBDAS]


def validate(params: Mapping[str, Any]) -> None:
    """The simulator's validation, and κ > 0 (log|μ_i| is undefined when κ = 0 makes μ_i = 0)."""
    validate_loop(n=params["n"], lam=params["lam"], kappa=params["kappa"], generations=params["generations"])
    if not params["kappa"] > 0:
        raise ParameterError(f"kappa must be > 0 for the log|mu| statistic; got {params['kappa']!r}")
    if params["generations"] < 4:
        raise ParameterError(f"generations must be >= 4 (a slope over the second half); got {params['generations']}")


def _late_slope(mu: np.ndarray) -> np.ndarray:
    """Per-trajectory least-squares slope of log|μ_i| against i over i = T/2..T."""
    generations = mu.shape[1] - 1
    i = np.arange(generations // 2, generations + 1, dtype=float)
    y = np.log(np.abs(mu[:, generations // 2 :]))
    x = i - i.mean()
    return (y - y.mean(axis=1, keepdims=True)) @ x / (x @ x)


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Moments of the late slope of log|μ_i|, of μ_T² and of Δ_i per generation."""
    mu = amplified_means(
        n=params["n"],
        lam=params["lam"],
        kappa=params["kappa"],
        generations=params["generations"],
        replicates=replicates,
        rng=rng,
    )
    return {
        "slope": Moments.of(_late_slope(mu)).to_dict(),
        "mu_sq_last": Moments.of(mu[:, -1] ** 2).to_dict(),
        "shift": Moments.of(shift(mu)).to_dict(),
    }


def _pool(task: TaskData, key: str) -> Moments:
    return Moments.pool([Moments.from_dict(c[key]) for c in task.chunks])


def classify(mean: float, se: float, z_max: float) -> str:
    """``converges`` if mean ± z_max·se ⊂ (−τ, τ), ``collapses`` if it lies above τ, else ``undecided``."""
    low, high = mean - z_max * se, mean + z_max * se
    if low > TAU:
        return "collapses"
    if -TAU < low and high < TAU:
        return "converges"
    return "undecided"


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """Classify every grid point, compare with the registry outside the margin, and test E μ_T²."""
    z_crit = ZThreshold.two_sided(ALPHA, 2 * len(tasks_))
    z_max = z_crit.value
    bound = stl_bounds.get(_BOUND)
    data: list[dict[str, Any]] = []
    zs = []
    for task in tasks_:
        p = task.params
        registry = bound.evaluate(lam=p["lam"], kappa=p["kappa"], i=p["generations"])
        rho = float(registry.diagnostics["rho"])
        s = _pool(task, "slope")
        mean_s, se_s = float(s.mean[()]), float(s.se[()])
        shift_ = _pool(task, "shift")
        mu_sq = _pool(task, "mu_sq_last")
        _, var = exact_moments(n=p["n"], lam=p["lam"], kappa=p["kappa"], generations=p["generations"])
        z = float(zscore(mu_sq.mean, mu_sq.se, var[-1])[()])
        zs.append(z)
        data.append(
            {
                "lam": p["lam"],
                "kappa": p["kappa"],
                "rho": rho,
                "regime": str(registry.regime),
                "judged": abs(rho - 1.0) >= MARGIN - 1e-9,
                "simulated": classify(mean_s, se_s, z_max),
                "slope_mean": mean_s,
                "slope_se": se_s,
                "slope_ci": [mean_s - z_max * se_s, mean_s + z_max * se_s],
                "shift_last_mean": float(shift_.mean[-1]),
                "shift_last_se": float(shift_.se[-1]),
                "generation": np.arange(shift_.mean.size),
                "shift_mean": shift_.mean,
                "shift_se": shift_.se,
                "mu_sq_last_mean": float(mu_sq.mean[()]),
                "mu_sq_last_se": float(mu_sq.se[()]),
                "var_last_exact": float(var[-1]),
                "z_var": z,
            }
        )
    checks = [_threshold_check(kappa, [d for d in data if d["kappa"] == kappa], z_crit) for kappa in _kappas(data)]
    worst = int(np.argmax(np.abs(zs)))
    checks.append(
        Check(
            "variance",
            bool(np.max(np.abs(zs)) < z_max),
            f"E μ_T² equals the exact Var μ_T = (κ²/n)·Σ_{{j<T}} ρ^{{2j}} at every grid point (|z| < {z_crit.text()})",
            {"max_abs_z": float(np.max(np.abs(zs))), **z_crit.figures(), "at": _label(data[worst])},
        )
    )
    judged = [d for d in data if d["judged"]]
    figures = {
        **z_crit.figures(),
        "tau": TAU,
        "margin": MARGIN,
        "judged_points": len(judged),
        "agreeing_points": sum(d["simulated"] == d["regime"] for d in judged),
        "max_abs_z_variance": float(np.max(np.abs(zs))),
    }
    return Outcome(checks, figures, data)


def _kappas(data: Sequence[Mapping[str, Any]]) -> list[float]:
    return list(dict.fromkeys(d["kappa"] for d in data))


def _label(d: Mapping[str, Any]) -> str:
    return f"lam={d['lam']:g},kappa={d['kappa']:g}"


def _threshold_check(kappa: float, row: Sequence[Mapping[str, Any]], z_crit: ZThreshold) -> Check:
    """C4 at one κ, on the judged points only (a κ without judged points fails: nothing is tested)."""
    judged = [d for d in row if d["judged"]]
    wrong = [_label(d) for d in judged if d["simulated"] != d["regime"]]
    collapsed = [d["lam"] for d in judged if d["simulated"] == "collapses"]
    converged = [d["lam"] for d in judged if d["simulated"] == "converges"]
    return Check(
        f"threshold[kappa={kappa:g}]",
        bool(judged) and not wrong,
        f"at every λ with |ρ − 1| ≥ {MARGIN:g} (ρ = (1−λ)κ; at least one such λ), the class from the slope of "
        f"log|μ_i| over the second half (converges: CI at ±z_threshold·SE inside ±{TAU:.3g}; collapses: CI above "
        f"{TAU:.3g}; {z_crit.text()}) equals the regime of {_BOUND} (C4: converges iff λ > 1 − 1/κ)",
        {
            "lam_star": 1.0 - 1.0 / kappa,  # docs/theory.md §3 L4; negative: every λ converges
            "judged_points": len(judged),
            "disagreements": wrong,
            "largest_lam_collapsed": max(collapsed) if collapsed else NOT_JUDGED,
            "smallest_lam_converged": min(converged) if converged else NOT_JUDGED,
            **z_crit.figures(),
        },
    )


CAMPAIGN = Campaign(
    name="amplified_threshold",
    title="claim C4: with amplification κ the loop converges iff λ > 1 − 1/κ",
    theory="docs/theory.md §6.1 C4 (Lemma L4 of §3)",
    version=1,
    chunk_size=250,
    replicates={"quick": 500, "full": 5000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
    min_replicates=3,
)
