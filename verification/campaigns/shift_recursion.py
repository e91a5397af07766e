r"""Campaign ``shift_recursion``: Lemma L3 on every trajectory, with exact total variation.

docs/theory.md §6.3.  On 1-D Gaussian loops, with :math:`D_i = N(\hat\mu_i, \hat\sigma_i^2)`,
:math:`\varepsilon_i = d_{TV}(D_i, \lambda D_0 + (1-\lambda) D_{i-1})` and
:math:`\Delta_i = d_{TV}(D_i, D_0)` computed exactly (:mod:`verification.tv`),
two deterministic inequalities must hold for every generation of every
trajectory, to numeric tolerance :data:`TOL`:

* the recursion :math:`\Delta_i \le \varepsilon_i + (1-\lambda)\Delta_{i-1}`
  (slack :math:`\varepsilon_i + (1-\lambda)\Delta_{i-1} - \Delta_i \ge -\mathrm{TOL}`);
* its closed form, the registry's ``lemma.shift`` evaluated at
  :math:`\varepsilon = \max_{k \le i}\varepsilon_k` of the trajectory:
  :math:`\Delta_i \le \varepsilon(1-(1-\lambda)^{i+1})/\lambda` (``(i+1)ε`` at λ = 0).

Figure of merit: the minimum slack over all trajectories and generations i ≥ 1
(at i = 0 both hold with equality, :math:`\Delta_0 = \varepsilon_0`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.loops import simulate_path, validate_path
from verification.stats import Moments
from verification.tv import shift_quantities

__all__ = ["CAMPAIGN", "TOL"]

#: Numeric tolerance of the inequalities (exact TV is accurate to ~1e-14).
TOL = 1e-10


def tasks(mode: str) -> list[dict[str, Any]]:
    """1-D Gaussian loops: ``replace`` (λ = 0), ``reused`` and ``fresh`` at several λ, small and large n."""
    out = []
    for n in (20, 50):
        out.append({"regime": "replace", "n": n, "lam": 0.0})
        out += [{"regime": "reused", "n": n, "lam": lam} for lam in (0.1, 0.5, 0.9)]
        out.append({"regime": "fresh", "n": n, "lam": 0.5})
    return [{"model": "gaussian", "sim": {**t, "fits": 12, "sigma": 1.0, "estimator": "unbiased"}} for t in out]


def validate(params: Mapping[str, Any]) -> None:
    """Dry run of the simulator's validation."""
    validate_path(params["model"], params["sim"])


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Per generation: smallest slack of the recursion and of the closed form, moments of ε_i and Δ_i."""
    lam = params["sim"]["lam"]
    path = simulate_path(params["model"], params["sim"], rng=rng, replicates=replicates)
    eps, shift = shift_quantities(path, lam)
    slack = eps[:, 1:] + (1.0 - lam) * shift[:, :-1] - shift[:, 1:]
    i = np.arange(eps.shape[1])
    closed = stl_bounds.get("lemma.shift").evaluate(eps=np.maximum.accumulate(eps, axis=1), lam=lam, i=i).value
    return {
        "min_slack": slack.min(axis=0),
        "min_closed_form_slack": (closed - shift)[:, 1:].min(axis=0),  # generation 0: equality by definition
        "eps": Moments.of(eps).to_dict(),
        "shift": Moments.of(shift).to_dict(),
    }


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """Minimum slack over chunks; a check per task and inequality."""
    checks, data = [], []
    overall = np.inf
    for task in tasks_:
        sim = task.params["sim"]
        slack = np.min([np.asarray(c["min_slack"], dtype=float) for c in task.chunks], axis=0)
        closed = np.min([np.asarray(c["min_closed_form_slack"], dtype=float) for c in task.chunks], axis=0)
        eps = Moments.pool([Moments.from_dict(c["eps"]) for c in task.chunks])
        shift = Moments.pool([Moments.from_dict(c["shift"]) for c in task.chunks])
        label = f"{sim['regime']}[n={sim['n']},lam={sim['lam']:g}]"
        for name, values, text in (
            ("recursion", slack, "Δ_i ≤ ε_i + (1−λ)Δ_{i−1}"),
            ("closed_form", closed, "Δ_i ≤ lemma.shift(ε = max_{k≤i} ε_k, λ, i)"),
        ):
            worst = int(np.argmin(values))
            checks.append(
                Check(
                    f"L3.{name}.{label}",
                    bool(values.min() >= -TOL),
                    f"{text} on every trajectory and generation (slack ≥ −{TOL:g}); "
                    f"{task.replicates} trajectories, exact 1-D TV",
                    {"min_slack": float(values.min()), "at_generation": worst + 1},
                )
            )
            overall = min(overall, float(values.min()))
        data.append(
            {
                "generation": np.arange(eps.mean.size),
                "eps_mean": eps.mean,
                "eps_se": eps.se,
                "shift_mean": shift.mean,
                "shift_se": shift.se,
                "min_slack_recursion": np.concatenate([[0.0], slack]),
                "min_slack_closed_form": np.concatenate([[0.0], closed]),
            }
        )
    return Outcome(checks, {"min_slack": overall, "tolerance": TOL}, data)


CAMPAIGN = Campaign(
    name="shift_recursion",
    title="Lemma L3 per trajectory with exact total variation",
    theory="docs/theory.md §6.3 (Lemma L3 of §3)",
    version=1,
    chunk_size=250,
    replicates={"quick": 500, "full": 10000},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
