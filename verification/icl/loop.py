r"""The in-context self-consuming loop (docs/theory.md §1, §4.2, §5.6, §6.1 C5, §6.5).

Prompts carry N context pairs and a query; λN context labels are real
(:func:`~verification.icl.task.real_count`, an integer), the rest are synthetic.

* Generation 0 trains on real prompts: labels :math:`y^{(0)} = y` (noisy real labels).
* Generation i ≥ 1 trains on prompts labelled by the chain
  :math:`y^{(i)}_k = y_k` for the λN real positions, and otherwise
  :math:`y^{(i)}_k = f_{\theta_{i-1}}\big((x_j, y^{(i-1)}_j)_{j \le N};\, x_k\big) + \xi^{(i)}_k`,
  :math:`\xi \sim N(0, \sigma^2)`: generation i−1's own in-context prediction
  at :math:`x_k`, given the prompt's generation-(i−1) context, plus fresh noise
  (:func:`relabel`).  The query's label, the training target, is real in a
  proportion λ of the prompts (the first round(λB) of every batch of B, or of
  the pool) and synthetic in the others, so that the targets too are a λ-mixture.
  For an LSA at its optimum this is the linear recursion
  :math:`y^{(i)} = \frac1N X\Gamma X_c^\top y^{(i-1)}_c + \xi^{(i)}` on the
  synthetic rows — the kind of recursion of §5.5.

Generation i ≥ 1 starts from generation i−1's weights (``LoopConfig.warm_start``);
the reference for the whole loop is the idealised recursion of
:mod:`verification.icl.reference` (same label design, optimal LSA refitted
each generation, no training).

Regimes: ``reused`` (a fixed pool of real prompts whose label chain is carried
from generation to generation) and ``fresh`` (every training batch is a fresh
real batch pushed through the stored generations :math:`\theta_0, \dots,
\theta_{i-1}`: a sample of :math:`D_i`).

Per generation, on held-out real prompts: the ICL risk against the noiseless
query label; for one-layer LSA the relative distance of the learned matrix
:math:`P_{yy}Q_{xx}` to Γ* (docs/theory.md §5.6); and the coupled-run estimate of
recursive stability (docs/theory.md §6.5): the same prompt with one real context pair
replaced, both pushed through the same generations with common noise, and
:math:`\hat\gamma^i = E\,|f_{\theta_i}(y^{(i)}) - f_{\theta_i}(y'^{(i)})|` at
the query — the change of the mean of generation i's output label.  The
weights θ are shared by the two runs: the learner is the in-context algorithm,
the prompt is its training set (Li et al. 2023).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from stl_bounds.errors import ParameterError
from verification.icl.models import LSA, Params, SoftmaxTransformer, lsa_matrix, optimal_gamma, predict
from verification.icl.task import Prompts, check_dims, real_count, risk, sample_prompts
from verification.icl.train import train

__all__ = ["REGIMES", "LoopConfig", "LoopRecord", "relabel", "run_loop"]

#: Real-data regimes of the ICL loop (docs/theory.md §1).
REGIMES = ("reused", "fresh")


@dataclass(frozen=True)
class LoopConfig:
    """Settings of one ICL loop (validated on construction).

    Attributes
    ----------
    d, N, sigma2
        Dimension, context length, label-noise variance.
    lam
        Proportion of real labels among the context pairs (λN an integer).
    generations
        Generations 0, …, ``generations`` − 1.
    regime
        ``reused`` or ``fresh``.
    pool
        Real prompts per replica in the ``reused`` pool.
    steps, batch, lr, lr_final
        Adam steps of generation 0, prompts per step, learning rates (geometric decay).
    warm_start
        Generation i ≥ 1 starts from generation i−1's weights (default) instead of a fresh
        random initialisation: the optimum moves little between generations, and a fresh
        start risks the slow escape from the LSA's saddle at 0 (a replica stuck there
        looks like collapse but is an optimisation failure).
    steps_next, lr_next, lr_final_next
        Adam steps, initial and final learning rates of generations i ≥ 1 (default: ``steps``,
        ``lr``, ``lr_final``).
    eval_prompts
        Held-out real prompts per replica for the risk and the coupled runs.
    """

    d: int = 4
    N: int = 16
    sigma2: float = 0.25
    lam: float = 0.5
    generations: int = 5
    regime: str = "reused"
    pool: int = 4096
    steps: int = 500
    batch: int = 128
    lr: float = 0.1
    lr_final: float = 0.001
    eval_prompts: int = 2000
    warm_start: bool = True
    steps_next: int | None = None
    lr_next: float | None = None
    lr_final_next: float | None = None
    n_real: int = field(init=False)

    def __post_init__(self) -> None:
        check_dims(self.d, self.N, self.sigma2)
        object.__setattr__(self, "n_real", real_count(self.lam, self.N))
        for name in ("generations", "pool", "steps", "batch", "eval_prompts", "steps_next"):
            value = getattr(self, name)
            if name == "steps_next" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ParameterError(f"{name} must be an integer >= 1; got {value!r}")
        for name in ("lr", "lr_final", "lr_next", "lr_final_next"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ParameterError(f"{name} must be a finite number > 0; got {value!r}")
        if self.regime not in REGIMES:
            raise ParameterError(f"regime must be one of {', '.join(REGIMES)}; got {self.regime!r}")

    def real_mask(self, prompts: int) -> torch.Tensor:
        """Labels kept real, ``(prompts, N+1)``: the first λN context pairs, the query of the first round(λ·prompts)."""
        mask = torch.zeros((prompts, self.N + 1), dtype=torch.bool)
        mask[:, : self.n_real] = True
        mask[: round(self.lam * prompts), self.N] = True
        return mask


def relabel(
    model: LSA | SoftmaxTransformer,
    params: Params,
    x: torch.Tensor,
    y_prev: torch.Tensor,
    y_real: torch.Tensor,
    real_mask: torch.Tensor,
    noise: torch.Tensor,
    sigma2: float,
) -> torch.Tensor:
    r"""Next generation's labels: real where ``real_mask``, else in-context prediction + :math:`\sigma \cdot` ``noise``.

    Parameters
    ----------
    x, y_prev, y_real
        Inputs ``(R, ..., N+1, d)``, current and real labels ``(R, ..., N+1)``.
    real_mask
        Labels that stay real (broadcast against the labels).
    noise
        Standard normal draws ``(R, ..., N+1)``.
    """
    synthetic = predict(model, params, x, y_prev) + math.sqrt(sigma2) * noise
    return torch.where(real_mask.to(x.device), y_real, synthetic)


@dataclass(frozen=True)
class LoopRecord:
    """Per-replica, per-generation record of a loop (numpy, shape ``(R, generations)``).

    Attributes
    ----------
    risk
        ICL risk on held-out real prompts.
    gamma
        Coupled-run estimate of recursive stability.
    matrix_error
        :math:`\\|P_{yy}Q_{xx} - \\Gamma^*\\|_F / \\|\\Gamma^*\\|_F` (one-layer LSA; NaN otherwise).
    diverged
        Whether the generation's training diverged (non-finite loss or weights).
    params
        The trained parameters per generation.
    inputs
        ``reused`` regime with ``keep_labels``: the pool's inputs ``(R, pool, N+1, d)``.
    labels, noise
        ``reused`` regime with ``keep_labels``: the pool's label chain
        :math:`y^{(0)}, y^{(1)}, \\dots` and the standard normal draws that made
        :math:`y^{(i+1)}` from :math:`y^{(i)}`.
    """

    risk: np.ndarray
    gamma: np.ndarray
    matrix_error: np.ndarray
    diverged: np.ndarray
    params: list[Params]
    labels: list[torch.Tensor]
    noise: list[torch.Tensor]
    inputs: torch.Tensor | None = None


def _chain(
    model: LSA | SoftmaxTransformer,
    history: list[Params],
    prompts: Prompts,
    cfg: LoopConfig,
    noises: list[torch.Tensor],
) -> torch.Tensor:
    """Labels of ``prompts`` after passing through every generation in ``history``."""
    y = prompts.y
    for params, noise in zip(history, noises):
        y = relabel(model, params, prompts.x, y, prompts.y, cfg.real_mask(y.shape[-2]), noise, cfg.sigma2)
    return y


def _perturbed(prompts: Prompts, generator: torch.Generator, sigma2: float) -> Prompts:
    """The same prompts with context pair 0 replaced by an independent pair of the same task."""
    one = sample_prompts(prompts.w.shape[:-1], prompts.x.shape[-1], 1, sigma2, generator, dtype=prompts.x.dtype)
    x = prompts.x.clone()
    x[..., 0, :] = one.x[..., 0, :]
    y = prompts.y.clone()
    y[..., 0] = (one.x[..., 0, :] * prompts.w).sum(-1) + (one.y[..., 0] - (one.x[..., 0, :] * one.w).sum(-1))
    return Prompts(x, y, prompts.w)


def run_loop(
    cfg: LoopConfig,
    model: LSA | SoftmaxTransformer,
    replicas: int,
    generator: torch.Generator,
    *,
    dtype: torch.dtype = torch.float32,
    keep_labels: bool = False,
) -> LoopRecord:
    """Run the loop for ``replicas`` independent replicas at once (all random numbers from ``generator``)."""
    d, N, s2 = cfg.d, cfg.N, cfg.sigma2
    dev = generator.device
    shape = (replicas, cfg.eval_prompts)
    evals = sample_prompts(shape, d, N, s2, generator, dtype=dtype)
    evals_p = _perturbed(evals, generator, s2)
    eval_noise = [torch.randn((*shape, N + 1), generator=generator, device=dev, dtype=dtype)]
    pool = sample_prompts((replicas, cfg.pool), d, N, s2, generator, dtype=dtype) if cfg.regime == "reused" else None
    labels = [pool.y] if pool is not None else []
    noises: list[torch.Tensor] = []
    history: list[Params] = []
    gamma_star = optimal_gamma(N, s2, torch.ones(d, dtype=torch.float64))
    out = {k: np.full((replicas, cfg.generations), np.nan) for k in ("risk", "gamma", "matrix_error")}
    diverged = np.zeros((replicas, cfg.generations), dtype=bool)
    rows = torch.arange(replicas, device=dev)[:, None]
    for gen in range(cfg.generations):
        if pool is not None:
            current = labels[-1]

            def batches(step: int, current: torch.Tensor = current) -> Prompts:
                idx = torch.randint(cfg.pool, (replicas, cfg.batch), generator=generator, device=dev)
                return Prompts(pool.x[rows, idx], current[rows, idx], pool.w[rows, idx])

        else:

            def batches(step: int) -> Prompts:
                fresh = sample_prompts((replicas, cfg.batch), d, N, s2, generator, dtype=dtype)
                draws = [torch.randn(fresh.y.shape, generator=generator, device=dev, dtype=dtype) for _ in history]
                return Prompts(fresh.x, _chain(model, history, fresh, cfg, draws), fresh.w)

        if gen == 0 or not cfg.warm_start:
            init = model.init(replicas, generator, dtype)
        else:
            init = history[-1]
        if gen == 0:
            steps, lr, lr_final = cfg.steps, cfg.lr, cfg.lr_final
        else:
            steps = cfg.steps if cfg.steps_next is None else cfg.steps_next
            lr = cfg.lr if cfg.lr_next is None else cfg.lr_next
            lr_final = cfg.lr_final if cfg.lr_final_next is None else cfg.lr_final_next
        result = train(model, init, batches, steps=steps, lr=lr, lr_final=lr_final)
        params = result.params
        diverged[:, gen] = result.diverged
        with torch.no_grad():
            y_eval = _chain(model, history, evals, cfg, eval_noise[:gen])
            y_pert = _chain(model, history, evals_p, cfg, eval_noise[:gen])
            f = predict(model, params, evals.x, y_eval)[..., N]
            f_p = predict(model, params, evals_p.x, y_pert)[..., N]
            out["risk"][:, gen] = risk(predict(model, params, evals.x, evals.y)[..., N], evals).double().cpu().numpy()
            out["gamma"][:, gen] = (f - f_p).abs().mean(-1).double().cpu().numpy()
            if isinstance(model, LSA) and model.layers == 1:
                diff = lsa_matrix(params).double().cpu() - gamma_star
                out["matrix_error"][:, gen] = (
                    torch.linalg.matrix_norm(diff) / torch.linalg.matrix_norm(gamma_star)
                ).numpy()
            eval_noise.append(torch.randn((*shape, N + 1), generator=generator, device=dev, dtype=dtype))
            if pool is not None:
                noise = torch.randn(pool.y.shape, generator=generator, device=dev, dtype=dtype)
                labels.append(relabel(model, params, pool.x, labels[-1], pool.y, cfg.real_mask(cfg.pool), noise, s2))
                if keep_labels:
                    noises.append(noise)
                else:
                    labels = labels[-1:]
        history.append(params)
    return LoopRecord(
        out["risk"],
        out["gamma"],
        out["matrix_error"],
        diverged,
        history,
        labels if keep_labels else [],
        noises,
        pool.x if keep_labels and pool is not None else None,
    )
