r"""Campaign ``recursive_stability``: γ_n^i measured by coupled runs (docs/theory.md §6.5).

The 1-D Gaussian loop is run from :math:`S_0` and from :math:`S_0'` (one real
point replaced, worst case over z' ∈ {−3σ, 0, 3σ}) with common random numbers
(:func:`verification.coupling.coupled_tv`); the mean over trajectories of
:math:`d_{TV}(D_i, D_i')` estimates :math:`\gamma_n^i` (``reused`` loop for
λ > 0, ``replace`` at λ = 0).  Checks:

* **rate in n** (λ > 0): the least-squares slope of :math:`\log\hat\gamma_n^i`
  against log n at the last generation (``scipy.stats.linregress``, 95%
  interval) is ≈ −1: its interval meets [−1 − τ, −1 + τ], τ = :data:`SLOPE_TOLERANCE`;
* **bounded in i** (λ > 0, every n): the per-trajectory least-squares change of
  :math:`d_{TV}(D_i, D_i')` over the second half of the generations lies within
  ±10% of :math:`\hat\gamma_n^{\rm last}` (interval ±z_threshold·SE);
* **grows in i** (λ = 0, every n): :math:`E[d_{TV}(D_{\rm last}, D'_{\rm last}) -
  d_{TV}(D_0, D_0')] > 0` (z above z_threshold) — the loop is
  recursively unstable.

``z_threshold`` is the two-sided Bonferroni normal quantile :math:`\Phi^{-1}(1 - \alpha/(2k))`
at family level α = 10⁻³ over the k = one z-based test per task.  Figures of
merit: ``z_threshold`` with α and k, the judged slopes in n with intervals
(λ > 0), the growth ratios :math:`\hat\gamma_n^{\rm last}/\hat\gamma_n^0`, and under
``not_judged`` the slope in n at λ = 0 (for comparison: no rate is claimed there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.zcrit import ZThreshold
from verification.coupling import coupled_tv
from verification.stats import Moments, slope

__all__ = ["ALPHA", "CAMPAIGN", "GROWTH_TOLERANCE", "SLOPE_TOLERANCE"]

ALPHA = 1e-3
#: Allowed distance of the log-log slope in n from −1.
SLOPE_TOLERANCE = 0.1
#: Allowed change of γ̂ over the second half of the generations, relative to its last value.
GROWTH_TOLERANCE = 0.1
#: Level of the slope intervals.
LEVEL = 0.95
_NS = (20, 40, 80, 160, 320)


def tasks(mode: str) -> list[dict[str, Any]]:
    """One task per (n, λ); 30 generations."""
    return [{"n": n, "lam": lam, "fits": 30, "sigma": 1.0} for lam in (0.0, 0.25, 0.5, 0.75) for n in _NS]


def _run(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> np.ndarray:
    return coupled_tv(
        n=params["n"], fits=params["fits"], replicates=replicates, rng=rng, lam=params["lam"], sigma=params["sigma"]
    )


def validate(params: Mapping[str, Any]) -> None:
    """Dry run of the simulator's validation."""
    _run(params, np.random.default_rng(0), 1)


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Moments of the coupled TV per generation, of its late change and of its total growth."""
    tv = _run(params, rng, replicates)
    fits = tv.shape[1]
    late = np.arange(fits // 2, fits, dtype=float)
    change = np.polynomial.polynomial.polyfit(late, tv[:, fits // 2 :].T, 1)[1] * (late[-1] - late[0])
    return {
        "tv": Moments.of(tv).to_dict(),
        "late_change": Moments.of(change).to_dict(),
        "growth": Moments.of(tv[:, -1] - tv[:, 0]).to_dict(),
    }


def _pool(task: TaskData, key: str) -> Moments:
    return Moments.pool([Moments.from_dict(c[key]) for c in task.chunks])


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """Slopes in n, boundedness (λ > 0) and growth (λ = 0) in i."""
    by_lam: dict[float, dict[int, TaskData]] = {}
    for task in tasks_:
        by_lam.setdefault(task.params["lam"], {})[task.params["n"]] = task
    z_crit = ZThreshold.two_sided(ALPHA, len(tasks_))  # one z-based test per task (bounded λ > 0, growth λ = 0)
    checks: list[Check] = []
    figures: dict[str, Any] = z_crit.figures()
    not_judged: dict[str, Any] = {}
    data = []
    for task in tasks_:
        tv = _pool(task, "tv")
        data.append({"generation": np.arange(tv.mean.size), "gamma_mean": tv.mean, "gamma_se": tv.se})
    for lam, tasks_n in by_lam.items():
        ns = np.array(sorted(tasks_n))
        gamma = np.array([_pool(tasks_n[n], "tv").mean for n in ns])  # (n, generation)
        s_last = slope(np.log(ns), np.log(gamma[:, -1]), level=LEVEL)
        s_first = slope(np.log(ns), np.log(gamma[:, 0]), level=LEVEL)
        (figures if lam > 0 else not_judged)[f"slope_log_n[lam={lam:g}]"] = s_last.to_dict()
        if lam > 0:
            meets = s_last.low <= -1 + SLOPE_TOLERANCE and s_last.high >= -1 - SLOPE_TOLERANCE
            checks.append(
                Check(
                    f"rate_in_n[lam={lam:g}]",
                    bool(meets),
                    f"slope of log γ̂ against log n at the last generation ≈ −1: its {LEVEL:.0%} CI meets "
                    f"[{-1 - SLOPE_TOLERANCE:g}, {-1 + SLOPE_TOLERANCE:g}]",
                    {**s_last.to_dict(), "slope_first_generation": s_first.value},
                )
            )
            checks.append(_bounded_check(lam, ns, tasks_n, z_crit))
        else:
            checks.append(_growth_check(ns, tasks_n, z_crit))
        figures[f"growth_ratio[lam={lam:g}]"] = {f"n={n}": float(g[-1] / g[0]) for n, g in zip(ns, gamma, strict=True)}
    if not_judged:
        figures["not_judged"] = not_judged
    return Outcome(checks, figures, data)


def _bounded_check(lam: float, ns: np.ndarray, tasks_n: Mapping[int, TaskData], z_crit: ZThreshold) -> Check:
    edges = {}
    for n in ns:
        change = _pool(tasks_n[n], "late_change")
        level = float(_pool(tasks_n[n], "tv").mean[-1])
        # farthest end of the CI, relative to the level
        edges[int(n)] = (abs(float(change.mean[()])) + z_crit.value * float(change.se[()])) / level
    at = max(edges, key=edges.__getitem__)
    return Check(
        f"bounded_in_i[lam={lam:g}]",
        all(edge <= GROWTH_TOLERANCE for edge in edges.values()),
        f"for every n, the change of d_TV(D_i, D_i') over the second half of the generations is within "
        f"±{GROWTH_TOLERANCE:.0%} of γ̂ at the last generation (CI ±z_threshold·SE, {z_crit.text()})",
        {"largest_relative_change_bound": edges[at], "at_n": at, "tolerance": GROWTH_TOLERANCE, **z_crit.figures()},
    )


def _growth_check(ns: np.ndarray, tasks_n: Mapping[int, TaskData], z_crit: ZThreshold) -> Check:
    zs = {}
    for n in ns:
        growth = _pool(tasks_n[n], "growth")
        zs[f"n={n}"] = float(growth.mean[()] / growth.se[()])
    at = min(zs, key=zs.__getitem__)
    return Check(
        "grows_in_i[lam=0]",
        all(z > z_crit.value for z in zs.values()),
        f"for every n, E[d_TV(D_last, D'_last) − d_TV(D_0, D'_0)] > 0 (z > {z_crit.text()}): recursively unstable",
        {"min_z": zs[at], "at": at, **z_crit.figures(), "z": zs},
    )


CAMPAIGN = Campaign(
    name="recursive_stability",
    title="recursive stability γ_n^i measured by coupled runs",
    theory="docs/theory.md §6.5 (definition of §2, L5 of §3)",
    version=1,
    chunk_size=1000,
    replicates={"quick": 4000, "full": 40000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
