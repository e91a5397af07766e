r"""Campaign ``icl_loop``: claim C5 on the in-context self-consuming loop (THEORY §6.1 C5, §4.2, issue 4).

One-layer LSAs (R replicas batched) run the loop of :mod:`verification.icl.loop`
(``reused`` and ``fresh`` regimes) for λ ∈ {0, 0.25, 0.5, 1}.  The risk
scale runs from :math:`r^*` (``icl.lsa_opt.risk``) to :math:`\mathrm{tr}\Lambda
= d`, the risk of the collapsed predictor ŷ = 0.  Checks (skipped without torch):

* **bounded** (every λ > 0): the mean risk of every generation stays below the
  midpoint :math:`(r^* + d)/2` (upper end of its interval at the Bonferroni
  threshold) — a constant share of real data keeps the loop away from collapse;
* **degrades** (λ = 0): the risk of the last generation exceeds that of
  generation 0 (z above the Bonferroni threshold).

Figures of merit: mean risk per generation for every (regime, λ), the risk of
the last generation against λ, and the distance of the learned matrix to Γ*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import stl_bounds
from verification.campaign import Campaign, Check, Outcome, TaskData
from verification.icl import check_device, setup, skipped_outcome, torch_missing
from verification.stats import Moments, bonferroni_threshold

__all__ = ["CAMPAIGN"]

ALPHA = 1e-3
_SETTINGS = {
    "quick": {"generations": 4, "steps": 300, "pool": 1024, "eval_prompts": 500},
    "full": {"generations": 10, "steps": 500, "pool": 4096, "eval_prompts": 2000},
}


def tasks(mode: str) -> list[dict[str, Any]]:
    """One task per (regime, λ); empty without torch (the campaign is skipped)."""
    if torch_missing():
        return []
    base = {"d": 4, "N": 16, "sigma2": 0.25, **_SETTINGS[mode]}
    reused = [{**base, "regime": "reused", "lam": lam} for lam in (0.0, 0.25, 0.5, 1.0)]
    return reused + [{**base, "regime": "fresh", "lam": lam} for lam in (0.0, 0.5)]


def _config(params: Mapping[str, Any]) -> Any:
    from verification.icl.loop import LoopConfig

    return LoopConfig(**params)


def validate(params: Mapping[str, Any]) -> None:
    """The loop's own validation (λN an integer, ...) and the device."""
    _config(params)
    check_device()


def simulate(params: Mapping[str, Any], rng: np.random.Generator, replicates: int) -> dict[str, Any]:
    """Moments over the chunk's non-diverged replicas of risk and matrix error per generation."""
    from verification.icl.loop import run_loop
    from verification.icl.models import LSA

    gen, _ = setup(rng)
    cfg = _config(params)
    rec = run_loop(cfg, LSA(cfg.d), replicates, gen)
    ok = ~rec.diverged.any(axis=1)
    return {
        "risk": Moments.of(rec.risk[ok]).to_dict() if ok.any() else None,
        "matrix_error": Moments.of(rec.matrix_error[ok]).to_dict() if ok.any() else None,
        "diverged": int((~ok).sum()),
    }


def _pool(task: TaskData, key: str) -> Moments:
    return Moments.pool([Moments.from_dict(c[key]) for c in task.chunks if c[key] is not None])


def judge(tasks_: Sequence[TaskData]) -> Outcome:
    """Bounded for λ > 0, degrading at λ = 0, per regime."""
    if not tasks_:
        return skipped_outcome("icl_loop")
    z_max = bonferroni_threshold(ALPHA, len(tasks_))
    checks: list[Check] = []
    figures: dict[str, Any] = {}
    data = []
    against_lam: dict[str, dict[str, float]] = {}
    diverged = 0
    for task in tasks_:
        p = task.params
        r_star = stl_bounds.get("icl.lsa_opt.risk").evaluate(d=p["d"], N=p["N"], sigma2=p["sigma2"]).value
        risk, merr = _pool(task, "risk"), _pool(task, "matrix_error")
        diverged += sum(c["diverged"] for c in task.chunks)
        label = f"{p['regime']},lam={p['lam']:g}"
        figures[f"risk[{label}]"] = [float(v) for v in risk.mean]
        against_lam.setdefault(p["regime"], {})[f"lam={p['lam']:g}"] = float(risk.mean[-1])
        data.append({"risk_mean": risk.mean, "risk_se": risk.se, "matrix_error": merr.mean, "optimum": r_star})
        if p["lam"] > 0:
            ceiling = (r_star + p["d"]) / 2
            top = float(np.max(risk.mean + z_max * risk.se))
            checks.append(
                Check(
                    f"bounded[{label}]",
                    top < ceiling,
                    "every generation's mean risk (upper CI end) stays below (r* + tr Λ)/2, "
                    "halfway from the optimum to the collapsed predictor (C5)",
                    {"largest_upper": top, "ceiling": ceiling, "optimum": r_star},
                )
            )
        else:
            diff = float(risk.mean[-1] - risk.mean[0])
            se = float(np.hypot(risk.se[-1], risk.se[0]))  # conservative: ignores the positive covariance
            checks.append(
                Check(
                    f"degrades[{label}]",
                    diff / se > z_max,
                    "risk of the last generation exceeds generation 0 (z above the Bonferroni threshold): collapse",
                    {"risk_first": float(risk.mean[0]), "risk_last": float(risk.mean[-1]), "z": diff / se},
                )
            )
    checks.append(Check("no_diverged_runs", diverged == 0, "no training run diverged", {"diverged": diverged}))
    figures["last_risk_against_lam"] = against_lam
    return Outcome(checks, figures, data)


CAMPAIGN = Campaign(
    name="icl_loop",
    title="C5: the in-context loop stays bounded for λ > 0 and degrades at λ = 0",
    theory="THEORY §6.1 C5, §4.2, §5.6 (issue 4)",
    version=1,
    chunk_size=8,
    replicates={"quick": 8, "full": 32},
    tasks=tasks,
    validate=validate,
    simulate=simulate,
    judge=judge,
)
