r"""Campaign ``kde_loops``: Gaussian KDE loops against docs/theory.md §5.8, and the threshold of claim C8/C4.

Simulator: :mod:`verification.kde` (the law of ``scipy.stats.gaussian_kde`` with Scott's rule,
vectorized over replicates).  Two kinds of task:

* **closed forms** (docs/theory.md §6.2) — for ``replace`` (n = 50), ``fixed_bandwidth`` (h = 0.3) and
  ``fresh(λ)`` (λ ∈ {0.1, 0.4}), every fit t = 1..10: :math:`z_t = (\bar X_t - E X_t)/\mathrm{SE}_t` for
  :math:`X_t = v_t` (the MLE variance of generation t's data) against ``kde.replace.var``,
  ``kde.fixed_bandwidth.var``, ``kde.fresh.var``, and for ``fresh`` also :math:`X_t = m_t^2` against
  ``kde.fresh.mean_sq`` (registry values, never re-typed here).  ``replace`` has
  :math:`E v_t = \sigma^2(1 - 1/n)\rho^{t-1}` with ρ = 1 − 1/n + n^(−2/5) > 1: agreeing at every t
  is the geometric divergence at rate ρ;
* **threshold** (claims C8 and C4, the method of ``amplified_threshold``) — on a grid of λ (n = 50,
  T = 60 fits, λ = 0 is ``replace``), per trajectory the least-squares slope s of :math:`\log v_t`
  against t over the second half of the fits.  A converging loop is stationary (E s ≈ 0, up to a
  transient of order :math:`\rho(A)^{T/2}`); a diverging one grows at its Lyapunov rate, which lies
  below :math:`\log\rho(A)` by a Jensen gap of O(1/n) (measured ≈ 0.02 at n = 50; ρ(A) is the spectral
  radius of the 2×2 matrix A of docs/theory.md §5.8).  With the cut τ = :data:`MARGIN`/2 and the
  interval :math:`\bar s \pm z^*\mathrm{SE}`: ``converges`` if the interval lies inside (−τ, τ),
  ``diverges`` if it lies above τ, ``undecided`` otherwise.  At every λ with
  :math:`|\log\rho(A)| \ge` :data:`MARGIN` the class must be that of the exact threshold
  ``kde.fresh.threshold`` λ* (converges iff λ > λ*); nearer points are reported, not judged (a finite
  horizon cannot tell a slow divergence from the Jensen gap).  The figures report the bracket: the
  largest judged λ classified ``diverges`` and the smallest judged λ classified ``converges``, next to λ*.

z* is one two-sided Bonferroni quantile :math:`\Phi^{-1}(1 - \alpha/(2k))`, α = 10⁻³, over the k
z-scores and interval classifications of the campaign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.zcrit import ZThreshold
from verification.kde import simulate_kde
from verification.stats import Moments, zscore

__all__ = ["ALPHA", "CAMPAIGN", "LAMBDAS", "MARGIN", "TAU", "classify", "spectral_radius"]

ALPHA = 1e-3
#: Grid points with |log ρ(A)| below this are not judged.
MARGIN = 0.08
#: Cut of the slope of log v_t: half of the smallest judged growth rate log ρ(A).
TAU = MARGIN / 2
_N, _FITS, _SIGMA = 50, 60, 1.0
#: The grid: λ in steps of 0.04 (λn integral at n = 50).
LAMBDAS = tuple(round(0.04 * j, 2) for j in range(13))
_CLOSED = (
    ("replace", {}, ("var",)),
    ("fixed_bandwidth", {"h": 0.3}, ("var",)),
    ("fresh", {"lam": 0.1}, ("var", "mean_sq")),
    ("fresh", {"lam": 0.4}, ("var", "mean_sq")),
)


def tasks(mode: str) -> list[dict[str, Any]]:
    """The closed-form loops and the λ grid; the same in both modes (``full``: more replicates)."""
    out: list[dict[str, Any]] = [
        {"kind": "closed", "regime": regime, "n": _N, "fits": 10, "sigma": _SIGMA, "quantities": list(q), **extra}
        for regime, extra, q in _CLOSED
    ]
    out += [
        {"kind": "threshold", "regime": "fresh" if lam > 0 else "replace", "lam": lam, "n": _N, "fits": _FITS}
        for lam in LAMBDAS
    ]
    return out


def spectral_radius(n: int, lam: float) -> float:
    r"""Spectral radius of docs/theory.md §5.8's A = [[(1−λ)², (1−λ)a/n], [λ(1−λ), (1 − 1/n)(1−λ)a]]: the growth
    factor ρ that the registry's ``kde.fresh.var`` reports (λn an integer; at λ = 0 it is replace's ρ)."""
    return float(stl_bounds.get("kde.fresh.var").evaluate(n=n, lam=lam, t=1).diagnostics["rho"])


def _sim_args(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in ("regime", "n", "fits", "lam", "h", "sigma") if k in params}


def _registry(params: Mapping[str, Any], quantity: str) -> tuple[str, dict[str, Any]]:
    bound_id = f"kde.{params['regime']}.{quantity}"
    names = stl_bounds.get(bound_id).parameter_names
    args = {k: v for k, v in params.items() if k in names}
    args["t"] = np.arange(1, params["fits"] + 1)
    return bound_id, args


def validate(params: Mapping[str, Any]) -> None:
    """Dry run of the simulator's validation and of the registry's."""
    simulate_kde(**{**_sim_args(params), "fits": 1}, replicates=1, rng=np.random.default_rng(0))
    if params["kind"] == "closed":
        for quantity in params["quantities"]:
            bound_id, args = _registry(params, quantity)
            stl_bounds.get(bound_id).check(**args)


def _late_slope(var: np.ndarray) -> np.ndarray:
    """Per-trajectory least-squares slope of log v_t against t over the second half of the fits."""
    y = np.log(var[:, var.shape[1] // 2 :])
    x = np.arange(y.shape[1], dtype=float)
    x -= x.mean()
    return (y - y.mean(axis=1, keepdims=True)) @ x / (x @ x)


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Moments of v_t and m_t² per fit (closed forms), or of the late slope of log v_t (threshold)."""
    path = simulate_kde(**_sim_args(params), replicates=replicates, rng=rng)
    if params["kind"] == "closed":
        return {"var": Moments.of(path.var).to_dict(), "mean_sq": Moments.of(path.mean**2).to_dict()}
    return {"slope": Moments.of(_late_slope(path.var)).to_dict(), "var_last": Moments.of(path.var[:, -1]).to_dict()}


def _pool(task: TaskData, key: str) -> Moments:
    return Moments.pool([Moments.from_dict(c[key]) for c in task.chunks])


def classify(mean: float, se: float, z_max: float) -> str:
    """``converges`` if mean ± z_max·se ⊂ (−τ, τ), ``diverges`` if it lies above τ, else ``undecided``."""
    low, high = mean - z_max * se, mean + z_max * se
    if low > TAU:
        return "diverges"
    if -TAU < low and high < TAU:
        return "converges"
    return "undecided"


def _label(params: Mapping[str, Any]) -> str:
    inner = ",".join(f"{k}={params[k]:g}" for k in ("n", "lam", "h") if k in params)
    return f"[{inner}]"


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """z-scores of the closed forms; classification of the λ grid against the exact threshold."""
    closed = [t for t in tasks_ if t.params["kind"] == "closed"]
    grid = [t for t in tasks_ if t.params["kind"] == "threshold"]
    k = sum(len(t.params["quantities"]) * t.params["fits"] for t in closed) + len(grid)
    z_crit = ZThreshold.two_sided(ALPHA, k)
    checks: list[Check] = []
    data: list[dict[str, Any]] = []
    max_z = 0.0
    for task in tasks_:
        if task.params["kind"] == "closed":
            rows = {}
            for quantity in task.params["quantities"]:
                bound_id, args = _registry(task.params, quantity)
                mc = _pool(task, quantity)
                exact = np.asarray(stl_bounds.get(bound_id).evaluate(**args).value, dtype=float)
                z = zscore(mc.mean, mc.se, exact)
                worst = int(np.argmax(np.abs(z)))
                max_z = max(max_z, float(abs(z[worst])))
                checks.append(
                    Check(
                        f"{bound_id}{_label(task.params)}",
                        bool(np.all(np.abs(z) < z_crit.value)),
                        f"|z| < {z_crit.text()} for every fit t, MC vs {bound_id} (mean of {mc.count})",
                        {"max_abs_z": float(abs(z[worst])), **z_crit.figures(), "at_t": worst + 1},
                    )
                )
                rows[quantity] = {"id": bound_id, "t": args["t"], "mc_mean": mc.mean, "se": mc.se, "exact": exact}
            data.append({"kind": "closed", "regime": task.params["regime"], **rows})
        else:
            data.append(_grid_row(task, z_crit))
    lam_star = float(stl_bounds.get("kde.fresh.threshold").evaluate(n=_N).value)
    checks.append(_threshold_check([d for d in data if d["kind"] == "threshold"], lam_star, z_crit))
    judged = [d for d in data if d["kind"] == "threshold" and d["judged"]]
    diverged = [d["lam"] for d in judged if d["simulated"] == "diverges"]
    converged = [d["lam"] for d in judged if d["simulated"] == "converges"]
    figures = {
        "max_abs_z": max_z,
        **z_crit.figures(),
        "lam_star": lam_star,
        "rho_replace": spectral_radius(_N, 0.0),
        "judged_points": len(judged),
        "agreeing_points": sum(d["simulated"] == d["regime"] for d in judged),
        "largest_lam_diverged": max(diverged) if diverged else None,
        "smallest_lam_converged": min(converged) if converged else None,
        "tau": TAU,
        "margin": MARGIN,
    }
    return Outcome(checks, figures, data)


def _grid_row(task: TaskData, z_crit: ZThreshold) -> dict[str, Any]:
    p = task.params
    lam_star = float(stl_bounds.get("kde.fresh.threshold").evaluate(n=p["n"]).value)
    rho = spectral_radius(p["n"], p["lam"])
    s = _pool(task, "slope")
    mean, se = float(s.mean[()]), float(s.se[()])
    return {
        "kind": "threshold",
        "lam": p["lam"],
        "rho": rho,
        "regime": "converges" if p["lam"] > lam_star else "diverges",
        "judged": abs(np.log(rho)) >= MARGIN,
        "simulated": classify(mean, se, z_crit.value),
        "slope_mean": mean,
        "slope_se": se,
        "slope_ci": [mean - z_crit.value * se, mean + z_crit.value * se],
        "log_rho": float(np.log(rho)),
    }


def _threshold_check(rows: Sequence[Mapping[str, Any]], lam_star: float, z_crit: ZThreshold) -> Check:
    judged = [d for d in rows if d["judged"]]
    wrong = [f"lam={d['lam']:g}" for d in judged if d["simulated"] != d["regime"]]
    sides = {d["regime"] for d in judged}
    return Check(
        f"threshold[n={_N}]",
        bool(sides == {"converges", "diverges"} and not wrong),
        f"at every λ with |log ρ(A)| ≥ {MARGIN:g} (both sides of λ* present), the class from the slope of log v_t "
        f"over the second half (converges: CI at ±z_threshold·SE inside ±{TAU:g}; diverges: CI above {TAU:g}; "
        f"{z_crit.text()}) equals that of the exact threshold kde.fresh.threshold λ* = {lam_star:.4g} "
        "(converges iff λ > λ*)",
        {"lam_star": lam_star, "judged_points": len(judged), "disagreements": wrong, **z_crit.figures()},
    )


CAMPAIGN = Campaign(
    name="kde_loops",
    title="KDE loops: closed forms, geometric divergence of replace, the exact threshold λ* (docs/theory.md §5.8)",
    theory="docs/theory.md §5.8, §6.1 C8 (C4), §6.2",
    version=1,
    chunk_size=500,
    replicates={"quick": 500, "full": 10000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
    min_replicates=3,
)
