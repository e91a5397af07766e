r"""The idealised in-context loop: the reference of the trained loop (docs/theory.md §5.5, §5.6; numpy only).

docs/theory.md §5.6 ends: a linear in-context predictor fed back as label generator obeys
linear recursions of the kind of §5.5; use them as the reference for the
transformer path at the LSA optimum.  This module runs exactly that recursion
with no training: the one-layer LSA at its optimum predicts
:math:`\hat y(x) = x^\top \Gamma h`, :math:`h = \frac1N \sum_{j \le N} y_j x_j`
(the other blocks of the LSA vanish at the optimum by the symmetry
:math:`w \to -w`), so each generation is the least-squares fit of Γ
(:math:`d^2` coefficients of the features :math:`x_q \otimes h`) to that
generation's training targets, and the labels of the next generation are
:math:`y^{(i+1)}_k = x_k^\top \Gamma_i h^{(i)} + \xi_k` on the synthetic
positions, with the real positions and the λ-mixture of query labels of
:class:`verification.icl.loop.LoopConfig.real_mask` — the same label design as
the trained loop.

For Λ = I the risk of Γ on real prompts is exact:
:math:`E(x_q^\top\Gamma h - w^\top x_q)^2 = (1 + \frac{d+1+\sigma^2}N)\|\Gamma\|_F^2 - 2\,\mathrm{tr}\,\Gamma + d`
(from :math:`E hh^\top = (1 + \frac{d+1+\sigma^2}N) I`, :math:`E hw^\top = I`),
:math:`r^*` at :math:`\Gamma^* = \gamma^* I`.

* ``reused``: each replica fits on its own pool of ``pool`` prompts whose label
  chain is carried (the finite-pool estimation error of the ERM is included);
* ``fresh``: each replica fits on ``fresh_prompts`` prompts (a large number: the
  population fit), pushed through the same recursion.

What the recursion shows (d = 4, N = 16, σ² = 1/4, r* = 0.988, 40 000 prompts,
``fresh``; generations 0, 1, 2, 3, 5, 9, 14, 19, 29):

* λ = 1/2: 0.989, 1.072, 1.174, 1.256, 1.374, 1.536, 1.656, 1.738, 1.809 (γ = tr Γ/d falls
  from γ* = 0.753 to 0.386): the synthetic labels are shrunk (γ < 1), the next
  generation learns to reproduce the shrinkage, and the real half only slows the
  drift — the risk rises over many generations towards a level well above r*;
* λ = 0: 0.989, 1.182, 1.391, 1.545, 1.796, 2.076, 2.246, 2.237, 2.216 (γ → 0.29): it
  rises faster and levels off below tr Λ = d because each prompt reuses its own
  inputs, so a chain aligns with the top eigenvector of its design
  :math:`X^\top X/N`, which γ ≈ 1/λ_max keeps from vanishing;
* λ = 1: r* in every generation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["coupled_gamma", "exact_risk", "ideal_loop"]


def exact_risk(gamma: np.ndarray, d: int, N: int, sigma2: float) -> np.ndarray:
    r"""Risk on real prompts (Λ = I) of the predictor :math:`x_q^\top\Gamma h`; ``gamma`` ``(..., d, d)``."""
    c = 1 + (d + 1 + sigma2) / N
    return c * (gamma**2).sum((-1, -2)) - 2 * np.trace(gamma, axis1=-2, axis2=-1) + d


def _mask(lam: float, N: int, prompts: int) -> np.ndarray:
    mask = np.zeros((prompts, N + 1), dtype=bool)
    mask[:, : round(lam * N)] = True
    mask[: round(lam * prompts), N] = True
    return mask


def ideal_loop(
    d: int,
    N: int,
    sigma2: float,
    lam: float,
    generations: int,
    rng: np.random.Generator,
    *,
    replicas: int = 16,
    prompts: int = 1024,
) -> dict[str, np.ndarray]:
    """Run the idealised loop for ``replicas`` independent replicas of ``prompts`` prompts each.

    Returns
    -------
    dict
        ``risk`` (exact risk of each generation's fit on real prompts) and ``gamma`` (tr Γ / d),
        both ``(replicas, generations)``; ``matrices``, the fitted Γ's ``(replicas, generations, d, d)``.
    """
    sd = np.sqrt(sigma2)
    w = rng.standard_normal((replicas, prompts, d))
    x = rng.standard_normal((replicas, prompts, N + 1, d))
    y_real = np.einsum("rpnd,rpd->rpn", x, w) + sd * rng.standard_normal((replicas, prompts, N + 1))
    mask = _mask(lam, N, prompts)
    y = y_real
    risks = np.empty((replicas, generations))
    gammas = np.empty((replicas, generations))
    matrices = np.empty((replicas, generations, d, d))
    for gen in range(generations):
        h = np.einsum("rpnd,rpn->rpd", x[..., :N, :], y[..., :N]) / N
        feats = (x[..., N, :, None] * h[..., None, :]).reshape(replicas, prompts, d * d)
        gram = np.einsum("rpa,rpb->rab", feats, feats)
        rhs = np.einsum("rpa,rp->ra", feats, y[..., N])
        gamma = np.linalg.solve(gram, rhs[..., None])[..., 0].reshape(replicas, d, d)
        risks[:, gen] = exact_risk(gamma, d, N, sigma2)
        gammas[:, gen] = np.trace(gamma, axis1=-2, axis2=-1) / d
        matrices[:, gen] = gamma
        synthetic = np.einsum("rpnd,rde,rpe->rpn", x, gamma, h) + sd * rng.standard_normal(y.shape)
        y = np.where(mask, y_real, synthetic)
    return {"risk": risks, "gamma": gammas, "matrices": matrices}


def coupled_gamma(
    matrices: np.ndarray, N: int, sigma2: float, lam: float, rng: np.random.Generator, *, prompts: int = 4096
) -> np.ndarray:
    r"""The coupled-run stability estimate of :func:`verification.icl.loop.run_loop` for the idealised loop.

    Held-out real prompts and the same prompts with context pair 0 replaced by an
    independent pair of the same task, both pushed through the label chain of the
    fitted ``matrices`` ``(replicas, generations, d, d)`` with common noise;
    :math:`\hat\gamma^i = E|x_q^\top\Gamma_i (h^{(i)} - h'^{(i)})|`.

    At generation 0 with :math:`\Gamma = \gamma^* I` this is
    :math:`\frac{\gamma^*}N E|x_q^\top(y_0x_0 - y'_0x'_0)| \propto 1/(N + d + 1 + \sigma^2)`:
    the 1/N of β_n = K/n times :math:`\gamma^* = N/(N+d+1+\sigma^2)`, so its log-log slope in N
    is :math:`-N/(N+d+1+\sigma^2)`, not −1, at small N; later generations add the
    N-dependent propagation through the synthetic labels.

    Returns
    -------
    numpy.ndarray
        ``(replicas, generations)``.
    """
    replicas, generations, d, _ = matrices.shape
    sd = np.sqrt(sigma2)
    w = rng.standard_normal((replicas, prompts, d))
    x = rng.standard_normal((replicas, prompts, N + 1, d))
    y = np.einsum("rpnd,rpd->rpn", x, w) + sd * rng.standard_normal((replicas, prompts, N + 1))
    x_p, y_p = x.copy(), y.copy()
    x_p[..., 0, :] = rng.standard_normal((replicas, prompts, d))
    y_p[..., 0] = np.einsum("rpd,rpd->rp", x_p[..., 0, :], w) + sd * rng.standard_normal((replicas, prompts))
    mask = _mask(lam, N, prompts)
    out = np.empty((replicas, generations))
    chain, chain_p = y, y_p
    for gen in range(generations):
        gamma = matrices[:, gen]
        h = np.einsum("rpnd,rpn->rpd", x[..., :N, :], chain[..., :N]) / N
        h_p = np.einsum("rpnd,rpn->rpd", x_p[..., :N, :], chain_p[..., :N]) / N
        out[:, gen] = np.abs(np.einsum("rpd,rde,rpe->rp", x[..., N, :], gamma, h - h_p)).mean(-1)
        noise = sd * rng.standard_normal(y.shape)
        chain = np.where(mask, y, np.einsum("rpnd,rde,rpe->rpn", x, gamma, h) + noise)
        chain_p = np.where(mask, y_p, np.einsum("rpnd,rde,rpe->rpn", x_p, gamma, h_p) + noise)
    return out
