r"""Campaign ``icl_anchor``: the LSA optimum and the von Oswald construction (docs/theory.md §5.6, issue 4).

Checks (torch; skipped without it, :func:`verification.icl.skipped_outcome`):

* **trained optimum**: one-layer LSAs trained by Adam on real prompts (R
  replicas batched) reach the optimal risk :math:`r^* =`
  ``icl.lsa_opt.risk`` :math:`= d(d+1+\sigma^2)/(N+d+1+\sigma^2)`:
  :math:`-z\,\mathrm{SE} \le \bar r - r^* \le \tau r^* + z\,\mathrm{SE}`, with SE
  the standard error over replicas of the per-replica risk on
  ``eval_prompts`` held-out prompts (the evaluation sample size) and
  τ = :data:`TRAIN_TOLERANCE`, the optimization slack of the training budget
  (500 Adam steps × 128 prompts; the statistical excess of the fit,
  :math:`\approx r^* d^2/(\text{steps}\cdot B) < 0.1\%`, is far below it);
* **closed-form optimum**: the LSA with :math:`\Gamma^*` of §5.6 has Monte Carlo
  risk (float64) equal to :math:`r^*` (|z| below z_threshold);
* **von Oswald**: the LSA with the weights of von Oswald et al. 2023 computes
  :math:`\frac\eta N\sum_i y_i x_i^\top x_q` to 1e−12 (float64, absolute);
* **no divergence**: no training run diverged (non-finite loss or weights).

z (``z_threshold`` in the figures) is the two-sided Bonferroni normal quantile
:math:`\Phi^{-1}(1 - \alpha/(2k))` at α = 10⁻³ over the k = 2 z-based tests.  When
every training run diverged there is no trained risk: the trained check fails
and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.campaigns.zcrit import ZThreshold
from verification.icl import check_device, setup, skipped_outcome, torch_missing
from verification.stats import Moments

__all__ = ["CAMPAIGN", "CONSTRUCTION_TOLERANCE", "TRAIN_TOLERANCE"]

ALPHA = 1e-3
#: Relative optimization slack of the trained risk over r* at the campaign's training budget.
TRAIN_TOLERANCE = 0.05
#: Absolute tolerance of the von Oswald construction (float64).
CONSTRUCTION_TOLERANCE = 1e-12


def tasks(mode: str) -> list[dict[str, Any]]:
    """The trained optimum (Λ = I) and the construction; empty without torch (the campaign is skipped)."""
    if torch_missing():
        return []
    evals = 2000 if mode == "quick" else 20000
    return [
        {"kind": "optimum", "d": 4, "N": 16, "sigma2": 0.25, "steps": 500, "batch": 128, "eval_prompts": evals},
        {"kind": "von_oswald", "d": 5, "N": 20, "eta": 0.7, "prompts": 1000},
    ]


def validate(params: Mapping[str, Any]) -> None:
    """Dimensions, device, and the registry's own validation of r*."""
    from verification.icl.task import check_dims

    check_dims(params["d"], params["N"], params.get("sigma2", 0.0))
    check_device()


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Per-replica risks (trained, closed-form) or the largest construction error."""
    import torch

    from verification.icl.models import LSA, optimal_lsa, predict, von_oswald
    from verification.icl.task import risk, sample_prompts
    from verification.icl.train import real_batches, train

    gen, device = setup(rng)
    d, N = params["d"], params["N"]
    if params["kind"] == "von_oswald":
        model, eta = LSA(d), params["eta"]
        weights = {k: v.to(device).expand(replicates, -1, -1, -1) for k, v in von_oswald(d, eta).items()}
        p = sample_prompts((replicates, params["prompts"]), d, N, 1.0, gen, dtype=torch.float64)
        got = predict(model, weights, p.x, p.y)[..., N]
        want = eta / N * torch.einsum("rbn,rbnd,rbd->rb", p.y[..., :N], p.x[..., :N, :], p.x[..., N, :])
        return {"max_abs_error": float((got - want).abs().max())}
    s2 = params["sigma2"]
    model = LSA(d)
    batches = real_batches(replicates, params["batch"], d, N, s2, gen, torch.float32)
    result = train(model, model.init(replicates, gen), batches, steps=params["steps"], lr=0.1, lr_final=0.001)
    evals = sample_prompts((replicates, params["eval_prompts"]), d, N, s2, gen, dtype=torch.float64)
    trained = {k: v.double() for k, v in result.params.items()}
    best = {
        k: v.to(device).expand(replicates, -1, -1, -1)
        for k, v in optimal_lsa(N, s2, torch.ones(d, dtype=torch.float64)).items()
    }
    with torch.no_grad():
        r_trained = risk(predict(model, trained, evals.x, evals.y)[..., N], evals)
        r_best = risk(predict(model, best, evals.x, evals.y)[..., N], evals)
    ok = ~result.diverged
    return {
        "trained": Moments.of(r_trained.cpu().numpy()[ok]).to_dict() if ok.any() else None,
        "closed_form": Moments.of(r_best.cpu().numpy()).to_dict(),
        "diverged": int(result.diverged.sum()),
    }


def _pool(task: TaskData, key: str) -> Moments | None:
    """Moments over the chunks that have ``key`` (``None`` when no chunk has: every run diverged)."""
    parts = [Moments.from_dict(c[key]) for c in task.chunks if c[key] is not None]
    return Moments.pool(parts) if parts else None


def _trained_check(trained: Moments | None, r_star: float, z_crit: ZThreshold) -> Check:
    """The trained LSAs' mean risk lies in [r* − z·SE, (1 + τ) r* + z·SE]."""
    statement = (
        f"mean risk of trained one-layer LSAs minus r* = icl.lsa_opt.risk lies in "
        f"[−z·SE, {TRAIN_TOLERANCE:g}·r* + z·SE] (SE over replicas; z: {z_crit.text()})"
    )
    if trained is None:
        return Check("trained_lsa_reaches_optimum", False, statement + "; no run finished: every run diverged", {})
    excess, se = float(trained.mean - r_star), float(trained.se)
    return Check(
        "trained_lsa_reaches_optimum",
        bool(-z_crit.value * se <= excess <= TRAIN_TOLERANCE * r_star + z_crit.value * se),
        statement,
        {
            "risk": float(trained.mean),
            "optimum": r_star,
            "relative_excess": excess / r_star,
            "se": se,
            "tolerance": TRAIN_TOLERANCE,
            **z_crit.figures(),
        },
    )


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """The four checks of the module docstring."""
    if not tasks_:
        return skipped_outcome("icl_anchor")
    z_crit = ZThreshold.two_sided(ALPHA, 2)
    checks: list[Check] = []
    figures: dict[str, Any] = {}
    data = []
    for task in tasks_:
        p = task.params
        if p["kind"] == "von_oswald":
            err = max(c["max_abs_error"] for c in task.chunks)
            checks.append(
                Check(
                    "von_oswald_one_step",
                    err <= CONSTRUCTION_TOLERANCE,
                    f"one LSA layer with von Oswald et al.'s weights equals (η/N)Σ y_i x_iᵀx_q to "
                    f"{CONSTRUCTION_TOLERANCE:g} (float64, d={p['d']}, N={p['N']}, η={p['eta']})",
                    {"max_abs_error": err, "tolerance": CONSTRUCTION_TOLERANCE},
                )
            )
            figures["von_oswald_max_abs_error"] = err
            data.append({"max_abs_error": err})
            continue
        r_star = stl_bounds.get("icl.lsa_opt.risk").evaluate(d=p["d"], N=p["N"], sigma2=p["sigma2"]).value
        diverged = sum(c["diverged"] for c in task.chunks)
        trained, best = _pool(task, "trained"), _pool(task, "closed_form")
        z_best = float((best.mean - r_star) / best.se)
        checks += [
            _trained_check(trained, r_star, z_crit),
            Check(
                "closed_form_optimum_risk",
                bool(abs(z_best) < z_crit.value),
                f"Monte Carlo risk of the LSA with Γ* (docs/theory.md §5.6) equals r* (|z| < {z_crit.text()})",
                {"risk": float(best.mean), "optimum": r_star, "z": z_best, **z_crit.figures()},
            ),
            Check(
                "no_diverged_runs",
                diverged == 0,
                "no training run had a non-finite loss or weights",
                {"diverged": diverged, "runs": task.replicates},
            ),
        ]
        risk, se = (float(trained.mean), float(trained.se)) if trained is not None else (float("nan"),) * 2
        figures.update({"trained_risk": risk, "optimal_risk": r_star, "relative_excess": (risk - r_star) / r_star})
        data.append({"trained_risk": risk, "trained_se": se, "optimum": r_star, "diverged": diverged})
    return Outcome(checks, figures, data)


CAMPAIGN = Campaign(
    name="icl_anchor",
    title="trained LSA reaches the ICL optimum; von Oswald construction is one gradient step",
    theory="docs/theory.md §5.6 (issue 4)",
    version=1,
    chunk_size=8,
    replicates={"quick": 8, "full": 64},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
