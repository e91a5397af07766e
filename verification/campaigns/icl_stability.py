r"""Campaign ``icl_stability``: measured recursive stability of in-context learners (THEORY §6.5, §4.2, issue 4).

Coupled runs (:func:`verification.icl.loop.run_loop`): the same held-out
prompt with one real context pair replaced, both pushed through the same
generations with common noise; :math:`\hat\gamma^i = E|f_{\theta_i}(y^{(i)}) -
f_{\theta_i}(y'^{(i)})|`.  ``fu2025.thm2`` predicts :math:`\beta_n = K/n`,
:math:`K = 2L_\ell((1+\Gamma)e^\Gamma)^D` (``li2023.transformer_K``): a rate
statement, so the campaign reports next to it (skipped without torch):

* **rate in n**: one-layer LSA loop (λ = 1/2, ``reused``), N ∈ {8, 16, 32, 64};
  the log-log slope of :math:`\hat\gamma` at the last generation against N,
  with its 95% interval, must meet [−1 − τ, −1 + τ] (τ = :data:`SLOPE_TOLERANCE`);
* **depth**: softmax transformers with D ∈ {1, 2, 3} layers and the weight-norm
  bound Γ enforced by projection; the per-layer growth of :math:`\hat\gamma`
  (slope of log γ̂ against D) must not exceed the bound's rate
  :math:`\log((1+\Gamma)e^\Gamma)` (lower end of its interval), and the
  measured weight norms must respect the bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.icl import check_device, setup, skipped_outcome, torch_missing
from verification.stats import Moments, slope

__all__ = ["CAMPAIGN", "SLOPE_TOLERANCE"]

#: Allowed distance of the slope in N from −1.
SLOPE_TOLERANCE = 0.25
GAMMA = 1.0
_NS = (8, 16, 32, 64)
_DEPTHS = (1, 2, 3)


def tasks(mode: str) -> list[dict[str, Any]]:
    """LSA loops over N and softmax transformers over D; empty without torch."""
    if torch_missing():
        return []
    steps = 300 if mode == "quick" else 800
    loop = {"d": 4, "sigma2": 0.25, "lam": 0.5, "generations": 3, "steps": steps, "pool": 1024, "eval_prompts": 500}
    by_n = [{"model": "lsa", "N": n, **loop} for n in _NS]
    depth = {"d": 4, "N": 16, "sigma2": 0.25, "lam": 1.0, "generations": 1, "steps": steps // 2, "batch": 64}
    return by_n + [{"model": "softmax", "D": D, **depth, "pool": 512, "eval_prompts": 500} for D in _DEPTHS]


def _split(params: Mapping[str, Any]) -> tuple[Any, Any]:
    from verification.icl.loop import LoopConfig
    from verification.icl.models import LSA, SoftmaxTransformer

    cfg = LoopConfig(**{k: v for k, v in params.items() if k not in ("model", "D")})
    model = LSA(cfg.d) if params["model"] == "lsa" else SoftmaxTransformer(cfg.d, depth=params["D"], Gamma=GAMMA)
    return cfg, model


def validate(params: Mapping[str, Any]) -> None:
    """The loop's and the model's validation, and the device."""
    _split(params)
    check_device()


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Moments of γ̂ per generation, and for softmax models the largest measured weight norms."""
    from verification.icl.loop import run_loop

    gen, _ = setup(rng)
    cfg, model = _split(params)
    rec = run_loop(cfg, model, replicates, gen)
    out: dict[str, Any] = {"gamma": Moments.of(rec.gamma).to_dict(), "diverged": int(rec.diverged.sum())}
    if params["model"] == "softmax":
        norms = model.norms(rec.params[-1])
        out["norm_V"], out["norm_W"] = float(norms["V"].max()), float(norms["W"].max())
    return out


def _gamma(task: TaskData) -> Moments:
    return Moments.pool([Moments.from_dict(c["gamma"]) for c in task.chunks])


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """Slope in N, growth in D, weight norms."""
    if not tasks_:
        return skipped_outcome("icl_stability")
    lsa = [t for t in tasks_ if t.params["model"] == "lsa"]
    soft = [t for t in tasks_ if t.params["model"] == "softmax"]
    data = [{"gamma_mean": _gamma(t).mean, "gamma_se": _gamma(t).se} for t in tasks_]
    ns = np.array([t.params["N"] for t in lsa], dtype=float)
    g_n = np.array([_gamma(t).mean[-1] for t in lsa])
    s_n = slope(np.log(ns), np.log(g_n))
    depths = np.array([t.params["D"] for t in soft], dtype=float)
    g_d = np.array([_gamma(t).mean[0] for t in soft])
    s_d = slope(depths, np.log(g_d))
    rate = math.log((1 + GAMMA) * math.exp(GAMMA))
    k_bound = stl_bounds.get("li2023.transformer_K")
    predicted = {
        f"D={int(D)}": 2 / (2 * 16 - 1) * k_bound.evaluate(L_loss=1, Gamma=GAMMA, D=int(D)).value / 2 for D in depths
    }
    v_max = max(c["norm_V"] for t in soft for c in t.chunks)
    w_max = max(c["norm_W"] for t in soft for c in t.chunks)
    diverged = sum(c["diverged"] for t in tasks_ for c in t.chunks)
    checks = [
        Check(
            "rate_in_N",
            bool(s_n.low <= -1 + SLOPE_TOLERANCE and s_n.high >= -1 - SLOPE_TOLERANCE),
            f"slope of log γ̂ (LSA loop, λ=1/2, last generation) against log N meets "
            f"[{-1 - SLOPE_TOLERANCE:g}, {-1 + SLOPE_TOLERANCE:g}] (β_n = K/n of fu2025.thm2)",
            s_n.to_dict(),
        ),
        Check(
            "depth_growth_within_bound_rate",
            bool(s_d.low <= rate),
            f"per-layer growth of log γ̂ (softmax, Γ={GAMMA:g}) does not exceed log((1+Γ)e^Γ) = {rate:.4g}",
            {**s_d.to_dict(), "bound_rate": rate},
        ),
        Check(
            "weight_norms_enforced",
            bool(v_max <= 1 + 1e-5 and w_max <= GAMMA / 2 + 1e-5),
            "measured ‖V‖ ≤ 1 and ‖W‖ ≤ Γ/2 (spectral) after training",
            {"max_norm_V": v_max, "max_norm_W": w_max},
        ),
        Check("no_diverged_runs", diverged == 0, "no training run diverged", {"diverged": diverged}),
    ]
    figures = {
        "slope_log_N": s_n.to_dict(),
        "slope_depth": s_d.to_dict(),
        "bound_rate_per_layer": rate,
        "gamma_by_N": {f"N={int(n)}": float(g) for n, g in zip(ns, g_n)},
        "gamma_by_D": {f"D={int(D)}": float(g) for D, g in zip(depths, g_d)},
        "li2023_per_example_shift_N16": predicted,
    }
    return Outcome(checks, figures, data)


CAMPAIGN = Campaign(
    name="icl_stability",
    title="recursive stability of in-context learners against n and depth, next to fu2025.thm2",
    theory="THEORY §6.5, §4.2 (issue 4)",
    version=1,
    chunk_size=8,
    replicates={"quick": 8, "full": 32},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
