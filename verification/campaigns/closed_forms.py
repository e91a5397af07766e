r"""Campaign ``closed_forms``: the simulators against the exact results of docs/theory.md §5.

docs/theory.md §6.2.  For every quantity :math:`X_t` of a simulated loop with a
registered closed form :math:`\mu_t = E X_t` (ids of docs/theory.md §7, evaluated with
``stl_bounds.get(id).evaluate``: never re-typed here), and every fit t,

.. math:: z_t = (\hat\mu_t - \mu_t)/\mathrm{SE}_t ,

with :math:`\hat\mu_t` the Monte Carlo mean (or, for the heavy-tailed
quantities docs/theory.md §6.2 names — inverse-Wishart terms and :math:`\hat\mu^2`
under a random scale — the mean of the chunk means studentized with Student's t on
K − 1 degrees of freedom, K the number of chunks, its score mapped to the normal
scale by :func:`verification.stats.normal_equivalent`; docs/theory.md §6.2 suggests a
median of means, but its studentized form is far from normal at the K ≤ 20 chunks
of a quick run, and would fail correct simulators).  All z-scores of the campaign are tested together: the
campaign passes iff every :math:`|z_t| < z_{\rm threshold} = \Phi^{-1}(1 - \alpha/(2k))`,
α = 10⁻³ (Bonferroni; k counts the z-scores and the comparisons of the ``w_opt``
check).  Stationary quantities (docs/theory.md §5.4) are compared after a burn-in,
on the per-trajectory average over the late fits.  The regression
``mixed(λ)`` loop has no closed form (docs/theory.md §5.5: exact given X, E over X by
averaging): its reference is the exact conditional expectation
(:func:`verification.regression.mixed_expected_test_err`) averaged over
independent designs, and z uses both standard errors.  The optimal weight
``gauss.weighted.w_opt`` is checked as a minimizer: the Monte Carlo stationary
error at w* is not significantly above that at other weights.  Figure of merit:
the largest |z| next to ``z_threshold``, its level α and its count k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.loops import simulate_path, validate_path
from verification.campaigns.zcrit import ZThreshold
from verification.regression import mixed_expected_test_err
from verification.stats import Moments, batch_means, normal_equivalent, zscore

__all__ = ["ALPHA", "CAMPAIGN", "MIN_BLOCKS"]

#: Family-wise level of docs/theory.md §6.2.
ALPHA = 1e-3
#: Fewest full chunks for the batch-means estimate (its blocks are the chunks); below, the pooled mean is used.
MIN_BLOCKS = 8

_GAUSS = ("mean_sq_err", "var", "std", "log_var", "w2_sq")
#: Reference of the regression ``mixed(λ)`` loop, which has no closed form in the registry (docs/theory.md §5.5):
#: the exact E[test error | X] of :func:`verification.regression.mixed_expected_test_err`, averaged over
#: independent designs X drawn in the same chunk.
MIXED_REFERENCE = "regression.mixed.expected_given_X"


def _target(quantity: str, bound_id: str, estimator: str = "mean") -> dict[str, str]:
    return {"quantity": quantity, "id": bound_id, "estimator": estimator}


def _gauss(regime: str, estimator: str, targets: list[dict[str, str]], **sim: Any) -> dict[str, Any]:
    sim = {"regime": regime, "estimator": estimator, "sigma": 1.0, **sim}
    return {"model": "gaussian", "sim": sim, "targets": targets}


def tasks(mode: str) -> list[dict[str, Any]]:
    """Loops and quantities checked (docs/theory.md §5.1–5.5, §5.9); the same in both modes (``full``: more
    replicates)."""
    heavy = {"mean_sq_err", "w2_sq"}  # μ̂² under the random scale σ̂ of the replace loop (docs/theory.md §6.2)
    replace_unbiased = [_target(q, f"gauss.replace.unbiased.{q}", "batch" if q in heavy else "mean") for q in _GAUSS]
    w_opt = float(stl_bounds.get("gauss.weighted.w_opt").evaluate(k=1.0).value)
    out = [
        _gauss("replace", "unbiased", replace_unbiased, n=20, fits=10),
        _gauss(
            "replace",
            "mle",
            [_target("var", "gauss.replace.mle.var"), _target("mean_sq_err", "gauss.replace.mle.mean_sq_err", "batch")],
            n=20,
            fits=10,
        ),
        _gauss("replace", "unbiased", [_target("det_ratio", "gauss.replace.unbiased.det_ratio")], n=50, d=3, fits=8),
        _gauss("replace", "mle", [_target("det_ratio", "gauss.replace.mle.det_ratio")], n=50, d=3, fits=8),
    ]
    for regime in ("fresh", "reused"):
        targets = [_target("mean_sq_err", f"gauss.{regime}.mean_sq_err"), _target("var", f"gauss.{regime}.var")]
        out += [_gauss(regime, "unbiased", targets, n=20, lam=lam, fits=10) for lam in (0.25, 0.5)]
    out += [
        _gauss(
            "accumulate",
            "mle",
            [_target("var", "gauss.accumulate.mle.var"), _target("mean_sq_err", "gauss.accumulate.mle.mean_sq_err")],
            n=20,
            fits=10,
        ),
        _gauss("accumulate", "unbiased", [_target("var", "gauss.accumulate.unbiased.var")], n=20, fits=10),
        _gauss(
            "accumulate_subsample",
            "mle",
            [
                _target("var", "gauss.accumulate_subsample.mle.var"),
                _target("mean_sq_err", "gauss.accumulate_subsample.mle.mean_sq_err"),
            ],
            n=20,
            fits=10,
        ),
    ]
    out += [
        {
            **_gauss(
                "weighted",
                "unbiased",
                [_target("mean_sq_err", "gauss.weighted.stationary_mean_sq_err")],
                n=20,
                k=1.0,
                w=w,
                fits=40,
            ),
            "late": 20,
        }
        for w in (0.3, w_opt, 0.9)
    ]
    reg = {"sigma": 1.0, "d": 4, "T": 20, "fits": 10}
    out += [
        {
            "model": "regression",
            "sim": {"regime": regime, **reg},
            "targets": [_target("test_err", f"regression.{regime}.test_err", "batch")],
        }
        for regime in ("replace", "accumulate")
    ]
    out.append(
        {
            "model": "regression",
            "sim": {"regime": "two_size", **reg, "T0": 12, "sigma0": 0.5},
            "targets": [_target("test_err", "regression.two_size.test_err", "batch")],
        }
    )
    out.append(
        {
            "model": "regression",
            "sim": {"regime": "mixed", **reg, "lam": 0.5},
            "targets": [_target("test_err", MIXED_REFERENCE, "batch")],
        }
    )
    return out


def validate(params: Mapping[str, Any]) -> None:
    """Dry run: the simulator's validation of the loop and the registry's of each closed form."""
    validate_path(params["model"], params["sim"])
    for target in params["targets"]:
        if target["id"] != MIXED_REFERENCE:
            stl_bounds.get(target["id"]).check(**_registry_args(params, target["id"]))


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Summaries (moments and block means) of each target quantity, per fit (or its late-fit average)."""
    path = simulate_path(params["model"], params["sim"], rng=rng, replicates=replicates)
    out = {}
    for target in params["targets"]:
        x = np.asarray(getattr(path, target["quantity"])(), dtype=float)
        if "late" in params:
            x = x[:, params["late"] :].mean(axis=1, keepdims=True)
        out[target["quantity"]] = Moments.of(x).to_dict()
        if target["id"] == MIXED_REFERENCE:
            sim = params["sim"]
            design = rng.standard_normal((replicates, sim["T"], sim["d"]))  # rows N(0, I), as in the loop
            exact = mixed_expected_test_err(design, sim["lam"], sim["sigma"], sim["fits"])
            out[f"reference.{target['quantity']}"] = Moments.of(exact).to_dict()
    return out


def _registry_args(params: Mapping[str, Any], bound_id: str) -> dict[str, Any]:
    bound = stl_bounds.get(bound_id)
    sim = params["sim"]
    args = {k: v for k, v in sim.items() if k in bound.parameter_names}
    if "t" in bound.parameter_names and "late" not in params:
        args["t"] = np.arange(1, sim["fits"] + 1)
    return args


def _estimate(parts: list[Moments], estimator: str) -> tuple[np.ndarray, np.ndarray, str, int | None]:
    """Mean and SE over all chunks, or the batch means of the full chunks (``batch``) with their t degrees of
    freedom (``None`` for the pooled mean, whose z is normal)."""
    pooled = Moments.pool(parts)
    full = [p.mean for p in parts if p.count == parts[0].count]
    if estimator == "batch" and len(full) >= MIN_BLOCKS:
        est, dof = batch_means(np.array(full))
        return np.asarray(est.value), np.asarray(est.se), f"{est.method} of {parts[0].count}", dof
    return pooled.mean, pooled.se, f"mean of {pooled.count}", None


def _reference(task: TaskData, target: Mapping[str, str], shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Exact value (and its standard error: 0 for a registry formula) of a target."""
    if target["id"] == MIXED_REFERENCE:
        ref = Moments.pool([Moments.from_dict(c[f"reference.{target['quantity']}"]) for c in task.chunks])
        return ref.mean, ref.se
    value = stl_bounds.get(target["id"]).evaluate(**_registry_args(task.params, target["id"])).value
    return np.broadcast_to(np.asarray(value, dtype=float), shape), np.zeros(shape)


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """z-scores of every target against its registry value; one Bonferroni z-threshold for all."""
    rows = []  # (task, target, t, mean, se, exact, exact_se, method, t degrees of freedom or None)
    for task in tasks_:
        for target in task.params["targets"]:
            parts = [Moments.from_dict(c[target["quantity"]]) for c in task.chunks]
            mean, se, method, dof = _estimate(parts, target["estimator"])
            exact, exact_se = _reference(task, target, mean.shape)
            t = np.arange(1, mean.size + 1) if "late" not in task.params else np.array([task.params["sim"]["fits"]])
            rows.append((task, target, t, mean, se, exact, exact_se, method, dof))
    comparisons = max(len(_w_opt_rows(rows)) - 1, 0)  # the w_opt check: w* against each other weight
    z_crit = ZThreshold.two_sided(ALPHA, sum(r[3].size for r in rows) + comparisons)
    checks, data = [], [{} for _ in tasks_]
    max_z = 0.0
    for task, target, t, mean, se, exact, exact_se, method, dof in rows:
        z = zscore(mean, np.hypot(se, exact_se), exact)
        if dof is not None:
            z = normal_equivalent(z, dof)
        worst = int(np.argmax(np.abs(z)))
        max_z = max(max_z, float(np.abs(z[worst])))
        checks.append(
            Check(
                _label(task.params, target["id"]),
                bool(np.all(np.abs(z) < z_crit.value)),
                f"|z| < {z_crit.text()} for every fit t, MC vs {target['id']} ({method})",
                {"max_abs_z": float(np.abs(z[worst])), **z_crit.figures(), "at_t": int(t[worst])},
            )
        )
        data[task.index][target["id"]] = {
            "t": t,
            "mc_mean": mean,
            "se": se,
            "exact": exact,
            "exact_se": exact_se,
            "z": z,
            "estimator": method,
        }
    checks.append(_w_opt_check(rows, z_crit))
    figures = {"max_abs_z": max_z, **z_crit.figures()}
    return Outcome(checks, figures, data)


def _label(params: Mapping[str, Any], bound_id: str) -> str:
    sim = params["sim"]
    keys = ("n", "d", "lam", "w", "k", "T", "T0")
    return f"{bound_id}[" + ",".join(f"{key}={sim[key]:g}" for key in keys if key in sim) + "]"


def _w_opt_rows(rows: list[tuple]) -> list[tuple[float, float, float]]:
    """(w, MC stationary error, SE) of the weighted-loop tasks."""
    return [
        (r[0].params["sim"]["w"], float(r[3][0]), float(r[4][0]))
        for r in rows
        if r[1]["id"].startswith("gauss.weighted")
    ]


def _w_opt_check(rows: list[tuple], z_crit: ZThreshold) -> Check:
    """docs/theory.md §5.4: the MC stationary error at w*(k) is not significantly above that at the other weights."""
    weighted = _w_opt_rows(rows)
    w_opt = float(stl_bounds.get("gauss.weighted.w_opt").evaluate(k=1.0).value)
    best = next((r for r in weighted if r[0] == w_opt), None)
    if best is None or len(weighted) < 2:
        return Check(
            "gauss.weighted.w_opt",
            False,
            f"no weighted-loop task at w*(k=1) = {w_opt:g} and another weight: the optimum was not tested",
            {"weights": [w for w, _, _ in weighted], "w_opt": w_opt},
        )
    zs = [(best[1] - v) / np.hypot(best[2], se) for w, v, se in weighted if w != w_opt]
    return Check(
        "gauss.weighted.w_opt",
        bool(max(zs) < z_crit.value),
        "MC stationary mean error at w*(k=1) from gauss.weighted.w_opt is not significantly above the error at "
        f"w = {', '.join(f'{w:g}' for w, _, _ in weighted if w != w_opt)} (one-sided z < {z_crit.text()})",
        {"max_z": float(max(zs)), **z_crit.figures(), "w_opt": w_opt},
    )


CAMPAIGN = Campaign(
    name="closed_forms",
    title="simulators vs the exact results of docs/theory.md §5 (z-scores, Bonferroni)",
    theory="docs/theory.md §6.2 (results of §5.1–5.5 and §5.9)",
    version=1,
    chunk_size=1000,
    replicates={"quick": 20000, "full": 200000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
