r"""Campaign ``claims``: claim C7 on concrete loops, each as a statistical check.

docs/theory.md §6.1 C7.  Every statistic below is a per-trajectory number, so its Monte
Carlo mean has an honest standard error from independent replicates; the
z-threshold (``z_threshold`` in the figures) is the Bonferroni normal quantile
:math:`\Phi^{-1}(1 - \alpha/(2k))` over the k tests of the campaign at family
level α = 10⁻³ (:func:`~verification.stats.bonferroni_threshold`).

* **collapse** (Gaussian ``replace``, both estimators, n = 10, T = 30n fits):
  :math:`\hat\sigma_T < 10^{-2}\sigma` on at least 90% of trajectories — the
  one-sided lower (1 − α/k) Clopper–Pearson bound of that fraction is ≥ 0.9.
* **linear growth** (Gaussian ``replace``, unbiased, n = 100, T = 50, and
  regression ``replace``, T = 20 rows, d = 4): the per-trajectory least-squares
  fit :math:`Y_t \approx a + b t + c t^2` of the error :math:`Y_t` has
  :math:`E b > 0` (z above z_threshold) and :math:`E c = 0` (|z| below it).
* **bounded** (Gaussian ``fresh``/``reused`` λ = 1/2, ``accumulate``,
  ``weighted`` w = 1/2; regression ``mixed`` λ = 1/2): over the second half of
  the fits the per-trajectory slope b of the error (and, for Gaussians, of
  :math:`\log\hat\sigma_t^2`) gives a change b·T/2 whose confidence interval
  lies within ±τ of the level (τ = 10% of the mean error at T; 0.1 in
  :math:`\log\hat\sigma^2`).  The same statistic applied to the ``replace``
  loop must *fail* that rule (a control: the check has power).
* **accumulate ≤ π²/6 × one fit** (regression ``accumulate``, T = 20 fits):
  :math:`D = Y_T - (\pi^2/6) Y_1` per trajectory; E D is not significantly
  above 0 (z below z_threshold).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.loops import simulate_path, validate_path
from verification.campaigns.zcrit import ZThreshold
from verification.stats import Moments

__all__ = ["ALPHA", "CAMPAIGN", "TOLERANCE"]

ALPHA = 1e-3
#: Allowed change over the second half, relative to the level (mean error) or absolute (log variance).
TOLERANCE = {"error": 0.1, "log_var": 0.1}
#: Collapse: σ̂_T below this fraction of σ ...
COLLAPSE_LEVEL = 1e-2
#: ... on at least this fraction of trajectories.
COLLAPSE_SHARE = 0.9


def _gauss(regime: str, **sim: Any) -> dict[str, Any]:
    return {"model": "gaussian", "sim": {"regime": regime, "sigma": 1.0, "estimator": "unbiased", **sim}}


def _reg(regime: str, **sim: Any) -> dict[str, Any]:
    return {"model": "regression", "sim": {"regime": regime, "sigma": 1.0, "d": 4, "T": 20, **sim}}


def tasks(mode: str) -> list[dict[str, Any]]:
    """The loops of C7 and the statistic each one feeds."""
    bounded = [
        _gauss("fresh", n=20, lam=0.5, fits=60),
        _gauss("reused", n=20, lam=0.5, fits=60),
        _gauss("accumulate", n=20, fits=60, estimator="mle"),
        _gauss("weighted", n=20, w=0.5, k=1.0, fits=60),
        _reg("mixed", lam=0.5, fits=40),
    ]
    return [
        {**_gauss("replace", n=10, fits=300, estimator=est), "claim": "collapse"} for est in ("unbiased", "mle")
    ] + [
        {**_gauss("replace", n=100, fits=50), "claim": "linear"},
        {**_reg("replace", fits=20), "claim": "linear"},
        *({**t, "claim": "bounded"} for t in bounded),
        {**_gauss("replace", n=20, fits=60), "claim": "bounded", "control": True},
        {**_reg("accumulate", fits=20), "claim": "below_pi2_6"},
    ]


def validate(params: Mapping[str, Any]) -> None:
    """Dry run of the simulator's validation."""
    validate_path(params["model"], params["sim"])


def _error(path: Any, model: str) -> np.ndarray:
    return np.asarray(path.mean_sq_err() if model == "gaussian" else path.test_err(), dtype=float)


def _fit_coefficients(y: np.ndarray, t: np.ndarray, degree: int) -> np.ndarray:
    """Per-trajectory least-squares polynomial coefficients (highest degree first), shape (replicates, degree+1)."""
    return np.polynomial.polynomial.polyfit(t, y.T, degree).T[:, ::-1]


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """The per-trajectory statistic of the task's claim, summarized by its moments (or a count)."""
    path = simulate_path(params["model"], params["sim"], rng=rng, replicates=replicates)
    claim = params["claim"]
    if claim == "collapse":
        return {
            "collapsed": int(np.sum(path.std()[:, -1] < COLLAPSE_LEVEL * params["sim"]["sigma"])),
            "count": replicates,
        }
    y = _error(path, params["model"])
    t = np.arange(1, y.shape[1] + 1, dtype=float)
    out: dict[str, Any] = {"error": Moments.of(y).to_dict()}
    if claim == "linear":
        out["coef"] = Moments.of(_fit_coefficients(y, t, 2)[:, :2]).to_dict()  # [c, b]
    elif claim == "bounded":
        late = slice(y.shape[1] // 2, None)
        series = {"error": y}
        if params["model"] == "gaussian":
            series["log_var"] = np.asarray(path.log_var(), dtype=float)
        for name, s in series.items():
            change = _fit_coefficients(s[:, late], t[late], 1)[:, 0] * (t[-1] - t[late][0])
            out[f"change_{name}"] = Moments.of(change).to_dict()
            out[f"level_{name}"] = Moments.of(s[:, -1]).to_dict()
    else:  # below_pi2_6
        out["excess"] = Moments.of(y[:, -1] - math.pi**2 / 6 * y[:, 0]).to_dict()
    return out


def _pool(task: TaskData, key: str) -> Moments:
    return Moments.pool([Moments.from_dict(c[key]) for c in task.chunks])


def _n_tests(tasks_: Sequence[TaskData]) -> int:
    per = {"collapse": 1, "linear": 2, "below_pi2_6": 1}
    return sum(per.get(t.params["claim"], 2 if t.params["model"] == "gaussian" else 1) for t in tasks_)


def _label(params: Mapping[str, Any]) -> str:
    sim = params["sim"]
    keys = ("estimator", "n", "T", "d", "lam", "w", "fits")
    inner = ",".join(f"{k}={sim[k]:g}" if not isinstance(sim[k], str) else sim[k] for k in keys if k in sim)
    return f"{params['model']}.{sim['regime']}[{inner}]"


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """One check per claim and loop (two for bounded Gaussian loops: error and log variance)."""
    k = _n_tests(tasks_)
    z_crit = ZThreshold.two_sided(ALPHA, k)
    z_max = z_crit.value
    checks: list[Check] = []
    data: list[dict[str, Any]] = []
    for task in tasks_:
        claim, label = task.params["claim"], _label(task.params)
        record: dict[str, Any] = {}
        if claim == "collapse":
            hits = sum(c["collapsed"] for c in task.chunks)
            low = stats.binomtest(hits, task.replicates, COLLAPSE_SHARE).proportion_ci(1 - 2 * ALPHA / k).low
            checks.append(
                Check(
                    f"C7.collapse.{label}",
                    bool(low >= COLLAPSE_SHARE),
                    f"σ̂_T < {COLLAPSE_LEVEL:g}σ on ≥ {COLLAPSE_SHARE:.0%} of trajectories "
                    f"(one-sided 1 − α/k Clopper–Pearson lower bound, α = {ALPHA:g}, k = {k})",
                    {
                        "share_collapsed": hits / task.replicates,
                        "lower_bound": float(low),
                        "required_share": COLLAPSE_SHARE,
                        "alpha": ALPHA,
                        "k": k,
                    },
                )
            )
            data.append({"collapsed": hits})
            continue
        error = _pool(task, "error")
        record["error_mean"], record["error_se"] = error.mean, error.se
        if claim == "linear":
            coef = _pool(task, "coef")
            z_c, z_b = coef.mean / coef.se
            checks.append(
                Check(
                    f"C7.linear.{label}",
                    bool(z_b > z_max and abs(z_c) < z_max),
                    f"per-trajectory fit Y_t ≈ a + b t + c t²: E b > 0 (z_slope > z_threshold) and E c = 0 "
                    f"(|z_curvature| < z_threshold), {z_crit.text()}",
                    {
                        "slope": float(coef.mean[1]),
                        "z_slope": float(z_b),
                        "z_curvature": float(z_c),
                        **z_crit.figures(),
                    },
                )
            )
        elif claim == "bounded":
            for name in ("error", "log_var"):
                if f"change_{name}" not in task.chunks[0]:
                    continue
                change = _pool(task, f"change_{name}")
                level = _pool(task, f"level_{name}")
                tol = TOLERANCE[name] * (float(level.mean[()]) if name == "error" else 1.0)
                lo, hi = float(change.mean - z_max * change.se), float(change.mean + z_max * change.se)
                holds = -tol <= lo and hi <= tol
                control = task.params.get("control", False)
                checks.append(
                    Check(
                        f"C7.{'control_unbounded' if control else 'bounded'}.{name}.{label}",
                        bool(holds != control),
                        f"change of {name} over the second half within ±{tol:.3g} (CI ±z_threshold·SE, "
                        f"{z_crit.text()})" + ("; control: the replace loop must fail this rule" if control else ""),
                        {
                            "change": float(change.mean[()]),
                            "ci_low": lo,
                            "ci_high": hi,
                            "tolerance": tol,
                            **z_crit.figures(),
                        },
                    )
                )
                record[f"change_{name}"] = float(change.mean[()])
        else:
            excess = _pool(task, "excess")
            z = float(excess.mean[()] / excess.se[()])
            checks.append(
                Check(
                    f"C7.accumulate_below_pi2_6.{label}",
                    bool(z < z_max),
                    f"E[Y_T − (π²/6) Y_1] not significantly above 0 (one-sided z < {z_crit.text()})",
                    {
                        "ratio": float(error.mean[-1] / error.mean[0]),
                        "pi2_6": math.pi**2 / 6,
                        "z": z,
                        **z_crit.figures(),
                    },
                )
            )
        data.append(record)
    return Outcome(checks, z_crit.figures(), data)


CAMPAIGN = Campaign(
    name="claims",
    title="claim C7: collapse, linear growth and boundedness of concrete loops",
    theory="docs/theory.md §6.1 C7",
    version=1,
    chunk_size=2000,
    replicates={"quick": 20000, "full": 200000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
