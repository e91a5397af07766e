r"""Batched in-context learners: linear self-attention and a small softmax transformer.

Every model keeps its parameters as a dict of tensors whose first axis indexes
R independent *replicas*; a forward pass over prompts of shape
``(R, B, T, d+1)`` is a handful of batched matmuls (``bmm`` through
broadcasting), so R replicas train at once with no Python loop over them.

Attention runs over the rows of the token matrix :math:`Z` (docs/theory.md §5.6
layout); the keys are the ``n_ctx`` context rows only, so that any number of
query rows ``(x_k, 0)`` appended after the context are predicted independently
of each other, each exactly as if it were the prompt's only query.

* **LSA** (linear self-attention, Ahn et al. 2023; Zhang, Frei, Bartlett 2024),
  L layers with :math:`Q_l, P_l \in \mathbb R^{(d+1)\times(d+1)}`:
  :math:`Z \leftarrow Z + \frac1N (Z Q_l Z_c^\top) Z_c P_l`, :math:`Z_c` the
  context rows.  With one layer the prediction is
  :math:`\hat y = x_q^\top \Gamma \frac1N \sum_i y_i x_i` + terms in the other
  blocks, :math:`\Gamma = P_{yy} Q_{xx}` (:func:`lsa_matrix`).
* **von Oswald et al. 2023**: :math:`Q = \mathrm{diag}(I_d, 0)`,
  :math:`P = \eta e_{d+1} e_{d+1}^\top` computes one gradient step from 0 on
  :math:`\frac1{2N}\sum_i (w^\top x_i - y_i)^2`:
  :math:`\hat y = \frac\eta N \sum_i y_i x_i^\top x_q` (:func:`von_oswald`).
* **Softmax transformer** (Li et al. 2023, docs/theory.md §4.2), D layers, H heads:
  :math:`Z \leftarrow Z + \frac1H \sum_h \mathrm{softmax}(Z W_h Z_c^\top) Z_c V_h`
  with the weight-norm constraint :math:`\|V_h\| \le 1`, :math:`\|W_h\| \le
  \Gamma/2` (spectral norms) enforced by projection after every step
  (:meth:`SoftmaxTransformer.project`) and measured by
  :meth:`SoftmaxTransformer.norms`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from stl_bounds.errors import ParameterError

__all__ = ["LSA", "Params", "SoftmaxTransformer", "lsa_matrix", "optimal_gamma", "optimal_lsa", "predict", "von_oswald"]

Params = dict[str, torch.Tensor]


def _check_int(name: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParameterError(f"{name} must be an integer >= {low}; got {value!r}")
    return value


def _rmm(z: torch.Tensor, mat: torch.Tensor) -> torch.Tensor:
    """``z @ mat`` with one matrix per replica: ``z`` ``(R, ..., k)``, ``mat`` ``(R, k, m)``; one ``bmm`` over R."""
    return torch.bmm(z.reshape(z.shape[0], -1, z.shape[-1]), mat).reshape(*z.shape[:-1], mat.shape[-1])


@dataclass(frozen=True)
class LSA:
    """Linear self-attention with ``layers`` layers on inputs of dimension ``d``."""

    d: int
    layers: int = 1
    init_scale: float = 0.3

    def __post_init__(self) -> None:
        _check_int("d", self.d)
        _check_int("layers", self.layers)

    def init(self, replicas: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Parameters of ``replicas`` replicas, i.i.d. :math:`N(0, s^2)` entries (s = ``init_scale``)."""
        e = self.d + 1
        shape = (replicas, self.layers, e, e)
        dev = generator.device
        return {
            "Q": self.init_scale * torch.randn(shape, generator=generator, device=dev, dtype=dtype),
            "P": self.init_scale * torch.randn(shape, generator=generator, device=dev, dtype=dtype),
        }

    def forward(self, params: Params, z: torch.Tensor, n_ctx: int) -> torch.Tensor:
        """Output tokens for ``z`` of shape ``(R, ..., T, d+1)`` (context = first ``n_ctx`` rows)."""
        for layer in range(self.layers):
            zc = z[..., :n_ctx, :]
            gram = zc.transpose(-1, -2) @ zc  # Z_c^T Z_c, by associativity: (Z Q Z_c^T) Z_c = Z Q (Z_c^T Z_c)
            z = z + _rmm(_rmm(z, params["Q"][:, layer]) @ gram, params["P"][:, layer]) / n_ctx
        return z

    def query_output(self, params: Params, z: torch.Tensor, n_ctx: int) -> torch.Tensor:
        r"""The label slot of the output rows ``n_ctx:`` (the queries), ``(R, ..., T - n_ctx)``: what training reads.

        Equal to ``forward(params, z, n_ctx)[..., n_ctx:, -1]`` up to rounding, but the last layer
        is evaluated for the query rows and the label column only, associated as
        :math:`(z_q Q)\cdot(Z_c^\top Z_c\, P_{:,y})`: two ``bmm`` over the replicas instead of
        one tiny matmul per prompt and a full token update (the batched training's main cost).
        """
        for layer in range(self.layers - 1):
            zc = z[..., :n_ctx, :]
            z = z + _rmm(_rmm(z, params["Q"][:, layer]) @ (zc.transpose(-1, -2) @ zc), params["P"][:, layer]) / n_ctx
        zc = z[..., :n_ctx, :]
        gram = zc.transpose(-1, -2) @ zc  # (R, ..., e, e)
        p_col = params["P"][:, -1, :, -1:]  # (R, e, 1)
        gp = _rmm(gram, p_col)  # (R, ..., e, 1): Z_c^T Z_c P[:, y]
        zq = z[..., n_ctx:, :]
        return zq[..., -1] + (_rmm(zq, params["Q"][:, -1]) @ gp)[..., 0] / n_ctx

    def project(self, params: Params) -> None:
        """No constraint (kept for a uniform interface)."""


@dataclass(frozen=True)
class SoftmaxTransformer:
    r"""Softmax attention, ``depth`` layers of ``heads`` heads, :math:`\|V\| \le 1`, :math:`\|W\| \le \Gamma/2`."""

    d: int
    depth: int = 1
    heads: int = 2
    Gamma: float = 1.0
    init_scale: float = 0.1

    def __post_init__(self) -> None:
        _check_int("d", self.d)
        _check_int("depth", self.depth)
        _check_int("heads", self.heads)
        if not (isinstance(self.Gamma, (int, float)) and math.isfinite(self.Gamma) and self.Gamma > 0):
            raise ParameterError(f"Gamma must be a finite number > 0; got {self.Gamma!r}")

    def init(self, replicas: int, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
        """Parameters of ``replicas`` replicas, projected onto the norm ball."""
        e = self.d + 1
        shape = (replicas, self.depth, self.heads, e, e)
        dev = generator.device
        params = {
            "W": self.init_scale * torch.randn(shape, generator=generator, device=dev, dtype=dtype),
            "V": self.init_scale * torch.randn(shape, generator=generator, device=dev, dtype=dtype),
        }
        self.project(params)
        return params

    def forward(self, params: Params, z: torch.Tensor, n_ctx: int) -> torch.Tensor:
        """Output tokens for ``z`` of shape ``(R, ..., T, d+1)``."""
        for layer in range(self.depth):
            w = params["W"][:, layer].transpose(0, 1)  # (H, R, e, e)
            v = params["V"][:, layer].transpose(0, 1)
            zc_t = z[..., :n_ctx, :].transpose(-1, -2)
            update = torch.zeros_like(z)
            for h in range(self.heads):
                attn = torch.softmax(_rmm(z, w[h]) @ zc_t, dim=-1)  # (R, ..., T, n_ctx)
                update = update + _rmm(attn @ zc_t.transpose(-1, -2), v[h])
            z = z + update / self.heads
        return z

    def query_output(self, params: Params, z: torch.Tensor, n_ctx: int) -> torch.Tensor:
        """The label slot of the output rows ``n_ctx:`` (the queries), ``(R, ..., T - n_ctx)``."""
        return self.forward(params, z, n_ctx)[..., n_ctx:, -1]

    @torch.no_grad()
    def project(self, params: Params) -> None:
        r"""Rescale in place every :math:`V_h` to spectral norm ≤ 1 and every :math:`W_h` to ≤ Γ/2."""
        for key, bound in (("V", 1.0), ("W", self.Gamma / 2)):
            norm = torch.linalg.matrix_norm(params[key], ord=2)
            params[key].mul_(torch.clamp(bound / norm.clamp_min(1e-30), max=1.0)[..., None, None])

    @torch.no_grad()
    def norms(self, params: Params) -> dict[str, torch.Tensor]:
        """Largest spectral norm of the V's and of the W's, per replica."""
        return {k: torch.linalg.matrix_norm(params[k], ord=2).flatten(1).amax(1) for k in ("V", "W")}


def predict(model: LSA | SoftmaxTransformer, params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """In-context predictions at *every* input of the prompt.

    Parameters
    ----------
    x
        Inputs ``(R, ..., N+1, d)``; the first N rows are the context.
    y
        Labels ``(R, ..., N+1)`` (only the context's are used).

    Returns
    -------
    torch.Tensor
        ``(R, ..., N+1)``: entry k is the model's prediction for query :math:`x_k`
        given the context :math:`(x_i, y_i)_{i \\le N}`; the last entry is the
        ordinary prompt prediction.
    """
    n_ctx = x.shape[-2] - 1
    context = torch.cat([x[..., :n_ctx, :], y[..., :n_ctx, None]], dim=-1)
    queries = torch.cat([x, torch.zeros_like(x[..., :1])], dim=-1)
    out = model.forward(params, torch.cat([context, queries], dim=-2), n_ctx)
    return out[..., n_ctx:, -1]


def lsa_matrix(params: Params) -> torch.Tensor:
    r"""Effective matrix :math:`\Gamma = P_{yy} Q_{xx}` of a one-layer LSA, per replica ``(R, d, d)``."""
    q, p = params["Q"][:, 0], params["P"][:, 0]
    return p[:, -1, -1, None, None] * q[:, :-1, :-1]


def von_oswald(d: int, eta: float, *, dtype: torch.dtype = torch.float64, device: str = "cpu") -> Params:
    r"""One-layer LSA weights of von Oswald et al. 2023: :math:`\hat y = \frac\eta N \sum_i y_i x_i^\top x_q`."""
    return _lsa_from_matrix(torch.eye(_check_int("d", d), dtype=dtype, device=device), eta)


def optimal_gamma(N: int, sigma2: float, scales: torch.Tensor) -> torch.Tensor:
    r""":math:`\Gamma^* = ((1 + 1/N)\Lambda + \frac{\mathrm{tr}\Lambda + \sigma^2}{N} I)^{-1}` for diagonal Λ.

    Notes
    -----
    docs/theory.md §5.6 states Γ* for σ = 0; minimizing
    :math:`E(x_q^\top \Gamma h - w^\top x_q)^2`, :math:`h = \frac1N\sum_i y_i x_i`,
    with :math:`E[h h^\top] = (1+\frac1N)\Lambda^2 + \frac{\mathrm{tr}\Lambda+\sigma^2}N\Lambda`
    and :math:`E[h w^\top] = \Lambda` gives this form (for Λ = I:
    :math:`\gamma^* = N/(N+d+1+\sigma^2)`, as in §5.6).
    """
    lam = scales**2
    return torch.diag(1.0 / ((1 + 1 / N) * lam + (lam.sum() + sigma2) / N))


def optimal_lsa(N: int, sigma2: float, scales: torch.Tensor) -> Params:
    """One-layer LSA weights (one replica) that predict :math:`x_q^\\top \\Gamma^* \\frac1N \\sum_i y_i x_i`."""
    return _lsa_from_matrix(optimal_gamma(N, sigma2, scales), 1.0)


def _lsa_from_matrix(gamma: torch.Tensor, eta: float) -> Params:
    d = gamma.shape[-1]
    q = torch.zeros((1, 1, d + 1, d + 1), dtype=gamma.dtype, device=gamma.device)
    p = torch.zeros_like(q)
    q[0, 0, :d, :d] = gamma
    p[0, 0, d, d] = eta
    return {"Q": q, "P": p}
