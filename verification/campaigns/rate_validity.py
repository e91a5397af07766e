r"""Campaign ``rate_validity``: the shape of the template bound ``fu2025.thm1`` (docs/theory.md §6.4).

The downstream learner is the mean of the training set :math:`S_i` with the
clipped loss :math:`\ell(h, z) = \min((z-h)^2, M)`, so that
:math:`\mathrm{Gap}_i = R_{D_0}(h) - \hat R_{S_i}(h)` is exact on every trajectory
(:mod:`verification.downstream`; 1-D Gaussian ``reused`` loop for λ > 0,
``replace`` at λ = 0).  On a grid of (n, λ, i):

* q = the empirical (1 − δ)-quantile of :math:`\mathrm{Gap}_i` over trajectories (with its distribution-free
  order-statistic confidence interval at level LEVEL, :func:`~verification.stats.quantile_interval`, for plots);
* :math:`B_i` = ``stl_bounds.get("fu2025.thm1").evaluate(M=M, lam=λ, n=n,
  delta=δ, beta=1/n, g=1, kappa=1, eps=ε̂, i=i)`` with ε̂ the measured mean of
  :math:`\varepsilon_i = d_{TV}(D_i, \tilde D_i)` over generations and
  trajectories at that (n, λ) (exact 1-D TV on the first :data:`EPS_PER_CHUNK`
  trajectories of every chunk);
* :math:`r = q / \min(B_i, M)` (no gap exceeds M).

The bound captures the behaviour iff r shows no trend: the least-squares slope
of log r against log n (log r averaged over i, per λ) and against i (averaged
over n, per λ) has a 95% confidence interval (``scipy.stats.linregress``) that
contains 0 or lies below :data:`SLOPE_TOLERANCE`.  Figures of merit: the
empirical constant max r over the judged points (λ > 0, i ≥ 1: the smallest
constant that makes the bound valid there) and the slopes with their intervals;
under ``not_judged``, at λ = 0, the growth of q with i next to the growth of the
bound (reported for comparison: no check is made at λ = 0).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.downstream import run_downstream
from verification.stats import Moments, quantile_interval, slope, upper_quantile
from verification.tv import shift_quantities

__all__ = ["CAMPAIGN", "DELTA", "EPS_PER_CHUNK", "LOSS_BOUND", "SLOPE_TOLERANCE"]

#: Confidence level δ: q is the (1 − δ)-quantile and B_i holds with probability ≥ 1 − δ.
DELTA = 0.05
#: Clipping level M of the loss (σ = 1).
LOSS_BOUND = 4.0
#: Trajectories per chunk on which ε_i is measured (exact TV to a mixture is the costly part).
EPS_PER_CHUNK = 100
#: Largest acceptable upper slope: per unit of log n, and per generation.
SLOPE_TOLERANCE = {"log_n": 0.1, "i": 0.02}
#: Level of the slope intervals.
LEVEL = 0.95


def tasks(mode: str) -> list[dict[str, Any]]:
    """One task per (n, λ); generations i = 0..10 (the first 11 fits)."""
    ns = (20, 40, 80, 160, 320)
    out = [{"regime": "reused", "n": n, "lam": lam} for lam in (0.25, 0.5, 0.75) for n in ns]
    out += [{"regime": "replace", "n": n, "lam": 0.0} for n in ns]
    return [{**t, "fits": 11, "M": LOSS_BOUND, "sigma": 1.0} for t in out]


def validate(params: Mapping[str, Any]) -> None:
    """Dry run of the simulator's validation (and of the bound's, at generation 1)."""
    run_downstream(**_sim_args(params, replicates=1, rng=np.random.default_rng(0)))
    _bound(params, eps=0.0, i=np.arange(1, params["fits"]))


def _sim_args(params: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    keys = ("regime", "n", "fits", "lam", "M", "sigma")
    return {**{k: params[k] for k in keys}, **extra}


def _bound(params: Mapping[str, Any], *, eps: float, i: np.ndarray) -> Any:
    n = params["n"]
    return stl_bounds.get("fu2025.thm1").evaluate(
        M=params["M"], lam=params["lam"], n=n, delta=DELTA, beta=1.0 / n, g=1.0, kappa=1.0, eps=eps, i=i
    )


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Every trajectory's gaps (for the quantile) and the moments of ε_i on the first trajectories."""
    run = run_downstream(**_sim_args(params, replicates=replicates, rng=rng))
    head = min(EPS_PER_CHUNK, replicates)
    path = dataclasses.replace(run.path, mean=run.path.mean[:head], cov=run.path.cov[:head])
    eps = shift_quantities(path, params["lam"])[0]
    return {"gap": run.gap, "eps": Moments.of(eps).to_dict()}


def _reduce(task: TaskData) -> dict[str, Any]:
    gap = np.concatenate([np.asarray(c["gap"], dtype=float) for c in task.chunks])
    eps = Moments.pool([Moments.from_dict(c["eps"]) for c in task.chunks])
    i = np.arange(gap.shape[1])
    eps_hat = float(eps.mean.mean())
    bound = _bound(task.params, eps=eps_hat, i=i)
    q = upper_quantile(gap, DELTA)
    q_low, q_high = quantile_interval(gap, DELTA, level=LEVEL)
    capped = np.minimum(bound.value, task.params["M"])
    gap_moments = Moments.of(gap)
    return {
        "i": i,
        "q": q,
        "q_low": q_low,
        "q_high": q_high,
        "bound": bound.value,
        "bound_terms": bound.terms,
        "r": q / capped,
        "eps_hat": eps_hat,
        "eps_mean": eps.mean,
        "eps_se": eps.se,
        "eps_trajectories": eps.count,
        "gap_mean": gap_moments.mean,
        "gap_se": gap_moments.se,
    }


def _slope_check(name: str, x: np.ndarray, y: np.ndarray, tol: float, what: str) -> tuple[Check, dict[str, Any]]:
    s = slope(x, y, level=LEVEL)
    passed = s.low <= 0.0 <= s.high or s.high < tol
    return Check(
        name,
        bool(passed),
        f"slope of mean log r against {what}: its {LEVEL:.0%} CI contains 0 or lies below {tol:g}",
        s.to_dict(),
    ), s.to_dict()


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """Empirical constant, slopes of log r in log n and in i per λ > 0, and the λ = 0 growth report."""
    reduced = [_reduce(t) for t in tasks_]
    later = slice(1, None)  # generations i ≥ 1: the template's statement
    grid = {}
    for task, red in zip(tasks_, reduced, strict=True):
        grid.setdefault(task.params["lam"], {})[task.params["n"]] = red
    checks: list[Check] = []
    slopes: dict[str, Any] = {}
    worst = (-np.inf, None)
    for lam, by_n in grid.items():
        if lam == 0.0:
            continue
        ns = np.array(sorted(by_n))
        r = np.array([by_n[n]["r"][later] for n in ns])  # (n, i)
        if np.any(r <= 0):  # a non-positive quantile: log r undefined, the trend cannot be assessed
            checks.append(
                Check(f"r_positive[lam={lam:g}]", False, "q > 0 on the grid", {"nonpositive": int(np.sum(r <= 0))})
            )
            continue
        log_r = np.log(r)
        i = by_n[ns[0]]["i"][later]
        for n, row in zip(ns, log_r, strict=True):
            j = int(np.argmax(row))
            if row[j] > worst[0]:
                worst = (float(row[j]), {"n": int(n), "lam": lam, "i": int(i[j])})
        check, fig_n = _slope_check(
            f"slope_log_n[lam={lam:g}]", np.log(ns), log_r.mean(axis=1), SLOPE_TOLERANCE["log_n"], "log n"
        )
        checks.append(check)
        check, fig_i = _slope_check(
            f"slope_i[lam={lam:g}]", i, log_r.mean(axis=0), SLOPE_TOLERANCE["i"], "the generation i"
        )
        checks.append(check)
        slopes[f"log_n[lam={lam:g}]"] = fig_n
        slopes[f"i[lam={lam:g}]"] = fig_i
    figures = {
        "empirical_constant": float(np.exp(worst[0])) if worst[1] else None,
        "constant_at": worst[1],
        "max_ci_high_log_n": max((v["ci_high"] for k, v in slopes.items() if k.startswith("log_n")), default=None),
        "max_ci_high_i": max((v["ci_high"] for k, v in slopes.items() if k.startswith("i[")), default=None),
        "slopes": slopes,
    }
    if 0.0 in grid:
        figures["not_judged"] = _lambda0_growth(grid[0.0])
    return Outcome(checks, figures, reduced)


def _lambda0_growth(by_n: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """At λ = 0: per-generation growth (least-squares slope over i ≥ 1) of q and of min(B_i, M), per n."""
    out = {}
    for n in sorted(by_n):
        red = by_n[n]
        i = red["i"][1:]
        capped = np.minimum(red["bound"][1:], LOSS_BOUND)
        out[f"growth_in_i[lam=0,n={n}]"] = {
            "q_slope": slope(i, red["q"][1:]).value,
            "bound_slope": slope(i, capped).value,
            "q_ratio_last_first": float(red["q"][-1] / red["q"][1]),
            "bound_ratio_last_first": float(capped[-1] / capped[0]),
        }
    return out


CAMPAIGN = Campaign(
    name="rate_validity",
    title="shape of the template bound fu2025.thm1 against exact gaps of a clipped-mean learner",
    theory="docs/theory.md §6.4 (bound of §4.1)",
    version=2,
    chunk_size=500,
    replicates={"quick": 2000, "full": 20000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
    min_replicates=int(np.ceil(1 / DELTA)),
)
