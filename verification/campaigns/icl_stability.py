r"""Campaign ``icl_stability``: measured recursive stability of in-context learners (docs/theory.md §6.5, §4.2).

Coupled runs (:func:`verification.icl.loop.run_loop`): the same held-out
prompt with one real context pair replaced, both pushed through the same
generations with common noise; :math:`\hat\gamma^i = E|f_{\theta_i}(y^{(i)}) -
f_{\theta_i}(y'^{(i)})|`.  ``fu2025.thm2`` predicts :math:`\beta_n = K/n`,
:math:`K = 2L_\ell((1+\Gamma)e^\Gamma)^D` (``li2023.transformer_K``): a rate
statement, so the campaign reports next to it (skipped without torch):

* **rate in n** (one-layer LSA loop, λ = 1/2, ``reused``, N ∈ {8, 16, 32, 64}, generation i
  warm-started from i−1).  What this estimator should do: at generation 0 an LSA at
  its optimum gives :math:`\hat\gamma^0 = \frac{\gamma^*_N}N E|x_q^\top(y_0x_0 - y_0'x_0')|`
  with :math:`\gamma^*_N = N/(N+d+1+\sigma^2)` (docs/theory.md §5.6), i.e. the 1/N of
  :math:`\beta_n = K/n` times a factor that grows with N; later generations add
  the propagation through the synthetic labels (the §5.5-type recursion), which
  also depends on N.  Hence two checks, each on a 95% Student-t interval of a
  4-point log-log slope:

  - ``rate_in_N_gen0``: the slope of :math:`\log(\hat\gamma^0/\gamma^*_N)` against
    log N has an interval that contains −1 and a point estimate within ±τ of −1
    (τ = :data:`SLOPE_TOLERANCE`): β_n = K/n once the known factor
    :math:`\gamma^*_N` is divided out;
  - ``last_generation_follows_reference``: the slope of
    :math:`\log(\hat\gamma^{\rm last}/\hat\gamma^{\rm last}_{\rm ref})` against log N, the
    reference being the same coupled-run estimate on the idealised loop
    (:func:`verification.icl.reference.coupled_gamma`, fixed seed), has an
    interval that contains 0 and a point estimate within ±τ;
    the raw slope and the reference's are reported next to it;
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

__all__ = ["CAMPAIGN", "SLOPE_TOLERANCE", "reference_gamma"]

#: Allowed distance of a slope in N from its prediction.
SLOPE_TOLERANCE = 0.25
#: Replicas × eval prompts of the idealised coupled-run reference.
REFERENCE_SIZE = (8, 2000)
GAMMA = 1.0
_NS = (8, 16, 32, 64)
_DEPTHS = (1, 2, 3)


def tasks(mode: str) -> list[dict[str, Any]]:
    """LSA loops over N and softmax transformers over D; empty without torch."""
    if torch_missing():
        return []
    steps = 400 if mode == "quick" else 800
    training = {"lr": 0.1, "lr_final": 0.01, "steps_next": steps // 2, "lr_next": 0.02, "lr_final_next": 0.001}
    loop = {"d": 4, "sigma2": 0.25, "lam": 0.5, "generations": 3, "steps": steps, "pool": 4096, "eval_prompts": 500}
    loop.update(training)
    by_n = [{"model": "lsa", "N": n, **loop} for n in _NS]
    depth = {"d": 4, "N": 16, "sigma2": 0.25, "lam": 1.0, "generations": 1, "steps": 150 * steps // 400, "batch": 64}
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


def reference_gamma(params: Mapping[str, Any]) -> np.ndarray:
    """γ̂ per generation of the idealised loop for an LSA task (numpy, fixed seed per N: deterministic)."""
    from verification.icl.reference import coupled_gamma, ideal_loop

    rng = np.random.default_rng(1000 + int(params["N"]))
    replicas, prompts = REFERENCE_SIZE
    d, N, s2, lam = params["d"], params["N"], params["sigma2"], params["lam"]
    fit = ideal_loop(d, N, s2, lam, params["generations"], rng, replicas=replicas, prompts=params["pool"])
    return coupled_gamma(fit["matrices"], N, s2, lam, rng, prompts=prompts).mean(0)


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
    g_0 = np.array([_gamma(t).mean[0] for t in lsa])
    p0 = lsa[0].params
    gamma_star = ns / (ns + p0["d"] + 1 + p0["sigma2"])
    ref = np.array([reference_gamma(t.params) for t in lsa])
    s_n = slope(np.log(ns), np.log(g_n))
    s_ref = slope(np.log(ns), np.log(ref[:, -1]))
    s_0 = slope(np.log(ns), np.log(g_0 / gamma_star))
    s_ratio = slope(np.log(ns), np.log(g_n / ref[:, -1]))
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
            "rate_in_N_gen0",
            bool(s_0.low <= -1 <= s_0.high and abs(s_0.value + 1) <= SLOPE_TOLERANCE),
            f"slope of log(γ̂⁰/γ*_N), γ*_N = N/(N+d+1+σ²), against log N (LSA, generation 0): 95% interval "
            f"contains −1 and |slope + 1| ≤ {SLOPE_TOLERANCE:g}: β_n = K/n of fu2025.thm2 once the "
            "optimal step's growth in N is divided out",
            s_0.to_dict(),
        ),
        Check(
            "last_generation_follows_reference",
            bool(s_ratio.low <= 0 <= s_ratio.high and abs(s_ratio.value) <= SLOPE_TOLERANCE),
            f"slope of log(γ̂/γ̂_ref) against log N at the last generation (λ=1/2): 95% interval contains 0 and "
            f"|slope| ≤ {SLOPE_TOLERANCE:g}; γ̂_ref from the idealised loop (docs/theory.md §5.5/§5.6 recursion), "
            f"whose own slope is {s_ref.value:.3g}",
            {**s_ratio.to_dict(), "raw_slope": s_n.value, "reference_slope": s_ref.value},
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
        "slope_log_N_reference": s_ref.to_dict(),
        "slope_log_N_ratio_to_reference": s_ratio.to_dict(),
        "slope_log_N_gen0_over_gamma_star": s_0.to_dict(),
        "slope_depth": s_d.to_dict(),
        "bound_rate_per_layer": rate,
        "gamma_by_N": {f"N={int(n)}": float(g) for n, g in zip(ns, g_n)},
        "gamma_by_N_reference": {f"N={int(n)}": float(g) for n, g in zip(ns, ref[:, -1])},
        "gamma_by_D": {f"D={int(D)}": float(g) for D, g in zip(depths, g_d)},
        "li2023_per_example_shift_N16": predicted,
    }
    return Outcome(checks, figures, data)


CAMPAIGN = Campaign(
    name="icl_stability",
    title="recursive stability of in-context learners against n and depth, next to fu2025.thm2",
    theory="docs/theory.md §6.5, §4.2 (issue 4)",
    version=2,
    chunk_size=8,
    replicates={"quick": 8, "full": 32},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
