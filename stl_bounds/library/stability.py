r"""Stability building blocks of docs/theory.md §4.4 (``external``).

* Bousquet & Elisseeff 2002, Theorem 12: for a β_n-uniformly stable algorithm and a
  loss in [0, M], with probability ≥ 1 − δ,
  :math:`R - \hat R \le 2\beta_n + (4n\beta_n + M)\sqrt{\log(1/\delta)/(2n)}`.
* Feldman & Vondrák 2019 / Bousquet, Klochkov & Zhivotovskiy 2020 (rate form):
  :math:`|R - \hat R| \lesssim \beta_n \log n \log(1/\delta) + M\sqrt{\log(1/\delta)/n}`.
* Li, Ildiz, Papailiopoulos & Oymak 2023: the stability constant of a D-layer
  transformer, :math:`K = 2 L_\ell ((1+\Gamma)e^\Gamma)^D`.
"""

from __future__ import annotations

import sympy as sp

from stl_bounds.bound import Bound, Citation, Monotonicity
from stl_bounds.parameters import param, symbol
from stl_bounds.registry import register

beta, n, M, delta, c = (symbol(s) for s in ("beta", "n", "M", "delta", "c"))
L_loss, Gamma, D = (symbol(s) for s in ("L_loss", "Gamma", "D"))
#: log(1/δ), written −log δ: accurate in float64 for δ near 1 and for subnormal δ.
LOG_INV_DELTA = -sp.log(delta)

#: Li et al. 2023 stability constant of a D-layer transformer (docs/theory.md §4.2).
TRANSFORMER_K = 2 * L_loss * ((1 + Gamma) * sp.exp(Gamma)) ** D

BOUSQUET2002 = register(
    Bound(
        id="bousquet2002.stability",
        title="generalization gap R − R̂ of a uniformly stable algorithm (explicit constants)",
        citation=Citation(
            paper="Bousquet & Elisseeff, Stability and Generalization, JMLR 2002",
            location="Theorem 12",
            theory="docs/theory.md §4.4",
        ),
        fidelity="external",
        assumptions=("A is β_n-uniformly stable", "loss in [0, M]", "S drawn i.i.d.", "holds with probability ≥ 1 − δ"),
        parameters=(param("beta", 1 / n), param("n", 1000), param("M", 1), param("delta", 0.05)),
        terms=(
            ("stability", 2 * beta),
            ("concentration", (4 * n * beta + M) * sp.sqrt(LOG_INV_DELTA / (2 * n))),
        ),
        trivial_at=M,
        monotone=(Monotonicity("beta", "nondecreasing"), Monotonicity("M", "nondecreasing")),
        notes=("vacuous unless β_n = o(1/√n).",),
    )
)

BKZ2020 = register(
    Bound(
        id="bkz2020.stability",
        title="generalization gap of a uniformly stable algorithm, sharp rate form",
        citation=Citation(
            paper="Feldman & Vondrák, COLT 2019; Bousquet, Klochkov & Zhivotovskiy, COLT 2020",
            location="high-probability bound for uniformly stable algorithms, rate form with absolute constant c",
            theory="docs/theory.md §4.4",
        ),
        fidelity="external",
        assumptions=("A is β_n-uniformly stable", "loss in [0, M]", "S drawn i.i.d.", "holds with probability ≥ 1 − δ"),
        parameters=(param("beta", 1 / n), param("n", 1000), param("M", 1), param("delta", 0.05), param("c", 1)),
        terms=(
            ("stability", c * beta * sp.log(n) * LOG_INV_DELTA),
            ("sampling", c * M * sp.sqrt(LOG_INV_DELTA / n)),
        ),
        trivial_at=M,
        monotone=(Monotonicity("beta", "nondecreasing"), Monotonicity("M", "nondecreasing")),
        notes=("a rate statement (≲): the absolute constant c is a parameter.",),
    )
)

LI2023_K = register(
    Bound(
        id="li2023.transformer_K",
        title="stability constant K of a D-layer transformer doing in-context learning",
        citation=Citation(
            paper="Li, Ildiz, Papailiopoulos & Oymak, Transformers as Algorithms, ICML 2023",
            location="stability of multilayer transformers in in-context learning",
            theory="docs/theory.md §4.2",
        ),
        fidelity="external",
        assumptions=(
            "‖V‖ ≤ 1 and ‖W‖ ≤ Γ/2 in every layer",
            "tokens in the unit ball, 1-Lipschitz MLPs",
            "loss L_ℓ-Lipschitz in the prediction",
            "swapping one of m in-context examples moves the output by ≤ (2/(2m−1))((1+Γ)e^Γ)^D",
        ),
        parameters=(param("L_loss", 1), param("Gamma", 0.5), param("D", 2)),
        terms=(("K", TRANSFORMER_K),),
        kind="identity",
        monotone=(Monotonicity("D", "nondecreasing"), Monotonicity("Gamma", "nondecreasing")),
        notes=("exponential in depth D: the architecture enters fu2025.thm2 through K.",),
    )
)
