r"""Golden values of every registered id, computed independently of the registry.

Each entry types the formula of docs/theory.md (§3 lemmas, §4 bounds, §5 exact results) in mpmath at
``DPS`` digits, from first principles where the section gives them: geometric sums are summed term by
term, the recursions of §5.2 are iterated, the products and sums of §5.3 are multiplied and added out.
Nothing here imports a registry expression; only the *names* of the terms are shared with the registry
(``Result.terms``), so that every term of a multi-term bound is checked on its own.

Points are full parameter dicts (floats, passed to ``Bound.evaluate`` as they are and read into mpmath
exactly, so float64 and mpmath evaluate the same binary inputs); they include generation 0, ρ = 1
exactly, ρ within 2⁻⁴⁰ of 1, ρ > 1, the clipped branch of max(·, 0), and points where each term matters.
``tests/test_golden.py`` compares the registry with them; ``tests/test_registry_mutations.py`` uses them
to kill mutants of the registry's expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import mpmath
from mpmath import mpf

__all__ = ["DPS", "GOLDEN", "expected_terms"]

#: Working precision of the golden values (decimal digits).
DPS = 50

Terms = dict[str, mpf]
GoldenFunction = Callable[[Mapping[str, mpf]], Terms]

#: ρ = (1 − λ)κ within 2⁻⁴⁰ of 1: λ = 1/2, κ = 2 − 2⁻³⁹ (both exact binary numbers).
KAPPA_NEAR_ONE = 2.0 - 2.0**-39


def geom(rho: mpf, k: mpf) -> mpf:
    r""":math:`\sum_{j=0}^{k-1} \rho^j`, summed term by term (no 0/0 at ρ = 1, no cancellation)."""
    return mpmath.fsum(rho**j for j in range(int(k)))


def log_inv(delta: mpf) -> mpf:
    return mpmath.log(1 / delta)


# --- docs/theory.md §3: lemmas L3-L5 ----------------------------------------------------------------------------


def lemma_shift(p: Mapping[str, mpf]) -> Terms:
    """L3: Δ_i ≤ ε Σ_{j≤i} (1 − λ)^j."""
    return {"shift": p["eps"] * geom(1 - p["lam"], p["i"] + 1)}


def lemma_amplified_shift(p: Mapping[str, mpf]) -> Terms:
    """L4: Δ_i ≤ ε Σ_{j≤i} ρ^j, ρ = (1 − λ)κ."""
    return {"shift": p["eps"] * geom((1 - p["lam"]) * p["kappa"], p["i"] + 1)}


def lemma_recursive_stability(p: Mapping[str, mpf]) -> Terms:
    """L5: γ_n^i ≤ (g/n) Σ_{j≤i} ρ^j."""
    return {"gamma": p["g"] / p["n"] * geom((1 - p["lam"]) * p["kappa"], p["i"] + 1)}


# --- docs/theory.md §4: the template bounds and their building blocks ---------------------------------------


def _thm(p: Mapping[str, mpf], beta: mpf, g: mpf) -> Terms:
    """§4.1 at generation i (B_0: λ = 1, Δ = γ = 0), Δ_{i−1} from L4 and γ_n^{i−1} from L5 unless given."""
    first = p["i"] >= 1
    lam_i = p["lam"] if first else mpf(1)
    rho = (1 - p["lam"]) * p["kappa"]
    shift = p.get("shift", p["eps"] * geom(rho, p["i"]))
    gamma = p.get("gamma", g / p["n"] * geom(rho, p["i"]))
    synthetic = 1 - lam_i
    big_l = log_inv(p["delta"])
    return {
        "shift": p["c1"] * p["M"] * synthetic * shift,
        "stability": p["c2"] * beta * mpmath.log(p["n"]) * big_l,
        "sampling": p["c3"] * p["M"] * mpmath.sqrt(big_l / p["n"]),
        "recursive_stability": p["c4"]
        * mpmath.sqrt(lam_i * p["n"])
        * (beta + synthetic * p["M"] * gamma)
        * mpmath.sqrt(big_l),
    }


def fu2025_thm1(p: Mapping[str, mpf]) -> Terms:
    """§4.1 with β_n given (default 1/n)."""
    return _thm(p, p.get("beta", 1 / p["n"]), p["g"])


def transformer_k(p: Mapping[str, mpf]) -> mpf:
    """§4.2 (Li et al. 2023): K = 2 L_ℓ ((1 + Γ) e^Γ)^D."""
    return 2 * p["L_loss"] * ((1 + p["Gamma"]) * mpmath.exp(p["Gamma"])) ** p["D"]


def fu2025_thm2(p: Mapping[str, mpf]) -> Terms:
    """§4.2: §4.1 with β_n = K/n and g = K."""
    k = transformer_k(p)
    return _thm(p, k / p["n"], k)


def li2023_k(p: Mapping[str, mpf]) -> Terms:
    return {"K": transformer_k(p)}


def fu2025_optimal_m(p: Mapping[str, mpf]) -> Terms:
    """§4.3: m* = n (C/(c1 a) − 2), C = c3 √log(1/δ); m* = 0 without an interior optimum."""
    c = p["c3"] * mpmath.sqrt(log_inv(p["delta"]))
    return {"m_star": max(p["n"] * (c / (p["c1"] * p["a"]) - 2), mpf(0))}


def fu2025_synthetic_size_objective(p: Mapping[str, mpf]) -> Terms:
    """§4.3: B = M [c1 (1 − λ) ε/λ + C/√N] with N = n/λ, ε = a/√N, C = c3 √log(1/δ)."""
    big_n = p["n"] / p["lam"]
    eps = p["a"] / mpmath.sqrt(big_n)
    c = p["c3"] * mpmath.sqrt(log_inv(p["delta"]))
    return {
        "shift": p["M"] * p["c1"] * (1 - p["lam"]) * eps / p["lam"],
        "sampling": p["M"] * c / mpmath.sqrt(big_n),
    }


def bousquet2002(p: Mapping[str, mpf]) -> Terms:
    """§4.4: 2β_n + (4nβ_n + M) √(log(1/δ)/(2n))."""
    beta = p.get("beta", 1 / p["n"])
    return {
        "stability": 2 * beta,
        "concentration": (4 * p["n"] * beta + p["M"]) * mpmath.sqrt(log_inv(p["delta"]) / (2 * p["n"])),
    }


def bkz2020(p: Mapping[str, mpf]) -> Terms:
    """§4.4 rate form: c β_n log n log(1/δ) + c M √(log(1/δ)/n)."""
    beta = p.get("beta", 1 / p["n"])
    return {
        "stability": p["c"] * beta * mpmath.log(p["n"]) * log_inv(p["delta"]),
        "sampling": p["c"] * p["M"] * mpmath.sqrt(log_inv(p["delta"]) / p["n"]),
    }


# --- docs/theory.md §5.1: Gaussian replace ------------------------------------------------------------------


def c_of_n(n: mpf) -> mpf:
    """c(n) = √(2/(n − 1)) Γ(n/2)/Γ((n − 1)/2) = E σ̂/σ after one unbiased fit."""
    return mpmath.sqrt(2 / (n - 1)) * mpmath.gamma(n / 2) / mpmath.gamma((n - 1) / 2)


def replace_unbiased_mean_sq_err(p: Mapping[str, mpf]) -> Terms:
    return {"mean_sq_err": p["sigma"] ** 2 * p["t"] / p["n"]}


def replace_unbiased_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": p["sigma"] ** 2}


def replace_unbiased_std(p: Mapping[str, mpf]) -> Terms:
    return {"std": p["sigma"] * c_of_n(p["n"]) ** p["t"]}


def replace_unbiased_log_var(p: Mapping[str, mpf]) -> Terms:
    n = p["n"]
    return {
        "log_sigma2": mpmath.log(p["sigma"] ** 2),
        "drift": p["t"] * (mpmath.digamma((n - 1) / 2) + mpmath.log(2 / (n - 1))),
    }


def replace_unbiased_w2_sq(p: Mapping[str, mpf]) -> Terms:
    s2 = p["sigma"] ** 2
    return {"mean": s2 * p["t"] / p["n"], "scale": s2 * (2 - 2 * c_of_n(p["n"]) ** p["t"])}


def replace_mle_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": p["sigma"] ** 2 * (1 - 1 / p["n"]) ** p["t"]}


def replace_mle_mean_sq_err(p: Mapping[str, mpf]) -> Terms:
    return {"mean_sq_err": p["sigma"] ** 2 * (1 - (1 - 1 / p["n"]) ** p["t"])}


def _det_ratio(p: Mapping[str, mpf], divisor: mpf) -> Terms:
    one_fit = mpmath.fprod((p["n"] - 1 - j) / divisor for j in range(int(p["d"])))
    return {"det_ratio": one_fit ** p["t"]}


def replace_unbiased_det_ratio(p: Mapping[str, mpf]) -> Terms:
    return _det_ratio(p, p["n"] - 1)


def replace_mle_det_ratio(p: Mapping[str, mpf]) -> Terms:
    return _det_ratio(p, p["n"])


# --- docs/theory.md §5.2: mixed loops, iterated ----------------------------------------------------------------


def _fresh(p: Mapping[str, mpf]) -> tuple[mpf, mpf]:
    """(E(μ̂_t − μ)², E σ̂_t²): m_1 = σ²/n, v_1 = σ², then the fresh(λ) recursion t − 1 times."""
    s2, n, lam = p["sigma"] ** 2, p["n"], p["lam"]
    q = 1 - lam
    m, v = s2 / n, s2
    for _ in range(int(p["t"]) - 1):
        m, v = q**2 * m + lam * s2 / n + q * v / n, lam * s2 + q * v + n * lam * q / (n - 1) * m
    return m, v


def _reused(p: Mapping[str, mpf]) -> tuple[mpf, mpf]:
    """(E(μ̂_t − r̄)², E σ̂_t²): u_1 = 0, v_1 = σ², then the reused(λ) recursion t − 1 times."""
    s2, n, lam = p["sigma"] ** 2, p["n"], p["lam"]
    q = 1 - lam
    u, v = mpf(0), s2
    for _ in range(int(p["t"]) - 1):
        u, v = q**2 * u + q * v / n, (lam * n - 1) * s2 / (n - 1) + q * v + n * lam * q / (n - 1) * u
    return u, v


def fresh_mean_sq_err(p: Mapping[str, mpf]) -> Terms:
    return {"mean_sq_err": _fresh(p)[0]}


def fresh_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": _fresh(p)[1]}


def reused_mean_sq_err(p: Mapping[str, mpf]) -> Terms:
    return {"real_sample": p["sigma"] ** 2 / (p["lam"] * p["n"]), "loop": _reused(p)[0]}


def reused_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": _reused(p)[1]}


# --- docs/theory.md §5.3: accumulate ---------------------------------------------------------------------------


def mle_product(n: mpf, t: mpf) -> mpf:
    r""":math:`\prod_{k=1}^{t} (1 - 1/(k^2 n))`: multiplied out up to t = 10⁵; beyond, from
    :math:`\prod_{k \le t}(1 - a^2/k^2) = \frac{\sin \pi a}{\pi a}\,\frac{\Gamma(t+1-a)\Gamma(t+1+a)}{\Gamma(t+1)^2}`
    (a = 1/√n; Euler's product for the sine), with 40 guard digits for the cancelling log-Gammas."""
    if t <= 100_000:
        return mpmath.fprod(1 - 1 / (k**2 * n) for k in range(1, int(t) + 1))
    a = 1 / mpmath.sqrt(n)
    with mpmath.extradps(40):
        tail = mpmath.loggamma(t + 1 - a) + mpmath.loggamma(t + 1 + a) - 2 * mpmath.loggamma(t + 1)
        return mpmath.sin(mpmath.pi * a) / (mpmath.pi * a) * mpmath.exp(tail)


def accumulate_mle_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": p["sigma"] ** 2 * mle_product(p["n"], p["t"])}


def accumulate_mle_mean_sq_err(p: Mapping[str, mpf]) -> Terms:
    """(σ²/n) Σ_{k≤t} (1/k²) ∏_{j<k} (1 − 1/(j²n)), the sum of §5.3 as written."""
    n, total, running = p["n"], mpf(0), mpf(1)
    for k in range(1, int(p["t"]) + 1):
        total += running / k**2
        running *= 1 - 1 / (k**2 * n)
    return {"mean_sq_err": p["sigma"] ** 2 / n * total}


def accumulate_unbiased_var(p: Mapping[str, mpf]) -> Terms:
    n = p["n"]
    return {"var": p["sigma"] ** 2 * mpmath.fprod(1 - 1 / (k * (k * n - 1)) for k in range(2, int(p["t"]) + 1))}


# --- docs/theory.md §5.9: accumulate_subsample --------------------------------------------------------------------


def _accumulate_subsample(p: Mapping[str, mpf]) -> tuple[mpf, mpf]:
    """(E(μ̂_t − μ)², E σ̂_t²) by iterating the unreduced pool recursion of §5.9 from first principles.

    State: a = E m² (pool mean, μ = 0) and D = E V (pool variance, divisor N) of the N = kn pool points
    before fit k. A uniform n-subsample without replacement has Var(μ̂ | pool) = V(N − n)/(n(N − 1)) and
    E[σ̂² | pool] = V·N(n − 1)/(n(N − 1)); n new points from N(μ̂, σ̂²) have mean x̄ (E x̄² = E μ̂² + E σ̂²/n,
    E m x̄ = E m²) and divisor-n variance of mean (1 − 1/n)σ̂², and they update the pool by
    N'm' = Nm + nx̄, N'V' = NV + nV_new + (Nn/N')(m − x̄)².
    """
    n, a, big_d = p["n"], p["sigma"] ** 2 / p["n"], p["sigma"] ** 2 * (1 - 1 / p["n"])
    for k in range(1, int(p["t"]) + 1):
        big_n, new_n = k * n, (k + 1) * n
        cond_var = big_d * (big_n - n) / (n * (big_n - 1))
        mean_sq, var = a + cond_var, big_d * big_n * (n - 1) / (n * (big_n - 1))
        a, big_d = (
            (big_n**2 * a + 2 * big_n * n * a + n**2 * (mean_sq + var / n)) / new_n**2,
            (big_n * big_d + (n - 1) * var + big_n * n / new_n * (cond_var + var / n)) / new_n,
        )
    return mean_sq, var


def accumulate_subsample_mean_sq_err(p: Mapping[str, mpf]) -> Terms:
    return {"mean_sq_err": _accumulate_subsample(p)[0]}


def accumulate_subsample_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": _accumulate_subsample(p)[1]}


# --- docs/theory.md §5.4: weighted (He, Xu, Cheng 2025) ---------------------------------------------------------


def weighted_stationary(p: Mapping[str, mpf]) -> Terms:
    """V_∞ = (σ²/n)(w² + k(1 − w)²)/(w(2 − w))."""
    w = p["w"]
    return {"stationary_mean_sq_err": p["sigma"] ** 2 / p["n"] * (w**2 + p["k"] * (1 - w) ** 2) / (w * (2 - w))}


def weighted_w_opt(p: Mapping[str, mpf]) -> Terms:
    """w*(k) = (√(k² + 4k) − k)/2."""
    k = p["k"]
    return {"w_opt": (mpmath.sqrt(k**2 + 4 * k) - k) / 2}


# --- docs/theory.md §5.5: linear regression ----------------------------------------------------------------------


def one_fit(noise_sd: mpf, d: mpf, rows: mpf) -> mpf:
    return noise_sd**2 * d / (rows - d - 1)


def regression_replace(p: Mapping[str, mpf]) -> Terms:
    return {"test_err": p["t"] * one_fit(p["sigma"], p["d"], p["T"])}


def regression_accumulate(p: Mapping[str, mpf]) -> Terms:
    squares = mpmath.fsum(mpf(1) / k**2 for k in range(1, int(p["t"]) + 1))
    return {"test_err": one_fit(p["sigma"], p["d"], p["T"]) * squares}


def regression_two_size(p: Mapping[str, mpf]) -> Terms:
    return {
        "final_fit": one_fit(p["sigma"], p["d"], p["T"]),
        "fake_generations": p["t"] * one_fit(p["sigma0"], p["d"], p["T0"]),
    }


# --- docs/theory.md §5.6: in-context linear regression -----------------------------------------------------------


def icl_ols(p: Mapping[str, mpf]) -> Terms:
    return {"risk": p["sigma2"] * p["d"] / (p["N"] - p["d"] - 1)}


def one_step_risk(p: Mapping[str, mpf], step: mpf) -> mpf:
    """§5.6: risk of one gradient step with step γ, d[γ²(1 + (d + 1 + σ²)/N) − 2γ + 1]."""
    d = p["d"]
    return d * (step**2 * (1 + (d + 1 + p["sigma2"]) / p["N"]) - 2 * step + 1)


def icl_averaging(p: Mapping[str, mpf]) -> Terms:
    return {"risk": one_step_risk(p, mpf(1))}


def icl_lsa_opt(p: Mapping[str, mpf]) -> Terms:
    """The minimum over γ of the quadratic risk(γ): at γ* = 1/(1 + (d + 1 + σ²)/N)."""
    return {"risk": one_step_risk(p, 1 / (1 + (p["d"] + 1 + p["sigma2"]) / p["N"]))}


# --- docs/theory.md §5.7: categorical loops, iterated ---------------------------------------------------------


def cat_replace_diversity(p: Mapping[str, mpf]) -> Terms:
    """E H(p_t) = (1 − 1/n) E H(p_{t−1}), E H(p_0) = H₀, multiplied out t times."""
    value = p["H0"]
    for _ in range(int(p["t"])):
        value *= 1 - 1 / p["n"]
    return {"diversity": value}


def cat_fresh_diversity(p: Mapping[str, mpf]) -> Terms:
    """H₀(1 − v_t): v_1 = 1/n, v_{t+1} = 1/n + (1 − λ)(1 − λ − 1/n) v_t, iterated."""
    n, q = p["n"], 1 - p["lam"]
    v = 1 / n
    for _ in range(int(p["t"]) - 1):
        v = 1 / n + q * (q - 1 / n) * v
    return {"diversity": p["H0"] * (1 - v)}


def cat_accumulate_diversity(p: Mapping[str, mpf]) -> Terms:
    """H₀ ∏_{k≤t}(1 − 1/(nk²)) (the product of §5.3)."""
    return {"diversity": p["H0"] * mle_product(p["n"], p["t"])}


def cat_accumulate_subsample_diversity(p: Mapping[str, mpf]) -> Terms:
    """H₀ h_t (1 − f_t/n): h_1 = 1 − 1/n, h_s = h_{s−1}[1 − (1 + f_{s−1}(1 − 1/n))/(ns²)], f_s = (s − 1)n/(sn − 1)."""
    n = p["n"]

    def f(s: int) -> mpf:
        return (s - 1) * n / (s * n - 1)

    h = 1 - 1 / n
    for s in range(2, int(p["t"]) + 1):
        h *= 1 - (1 + f(s - 1) * (1 - 1 / n)) / (n * s**2)
    return {"diversity": p["H0"] * h * (1 - f(int(p["t"])) / n)}


def cat_fixation(p: Mapping[str, mpf]) -> Terms:
    return {"fixation": p["p0k"]}


def cat_fixation_time(p: Mapping[str, mpf]) -> Terms:
    """Kimura-Ohta at the uniform start: −2n Σ_{k≤K} (1 − 1/K) ln(1 − 1/K), summed over the K categories."""
    share = 1 / p["K"]
    return {"fixation_time": -2 * p["n"] * mpmath.fsum((1 - share) * mpmath.log(1 - share) for _ in range(int(p["K"])))}


# --- docs/theory.md §5.8: kernel density loops, iterated ------------------------------------------------------


def kde_gain(n: mpf) -> mpf:
    """Variance of one draw of Scott's Gaussian KDE over the data's MLE variance: 1 + n^(−2/5)·n/(n − 1)."""
    return 1 + n ** (mpf(-2) / 5) * n / (n - 1)


def kde_replace_var(p: Mapping[str, mpf]) -> Terms:
    n = p["n"]
    v = p["sigma"] ** 2 * (1 - 1 / n)
    for _ in range(int(p["t"]) - 1):
        v = (1 - 1 / n) * kde_gain(n) * v
    return {"var": v}


def kde_fixed_bandwidth_var(p: Mapping[str, mpf]) -> Terms:
    """E v_{t+1} = (1 − 1/n)(E v_t + h²), split into the σ² part and the h² part (both iterated)."""
    n = p["n"]
    real, kernel = p["sigma"] ** 2 * (1 - 1 / n), mpf(0)
    for _ in range(int(p["t"]) - 1):
        real, kernel = (1 - 1 / n) * real, (1 - 1 / n) * (kernel + p["h"] ** 2)
    return {"real": real, "kernel": kernel}


def _kde_fresh(p: Mapping[str, mpf]) -> tuple[mpf, mpf]:
    """(E m_t², E v_t): x_1 = σ²(1/n, 1 − 1/n), x_{t+1} = A x_t + b of §5.8, iterated."""
    s2, n, lam = p["sigma"] ** 2, p["n"], p["lam"]
    q, a = 1 - lam, kde_gain(n)
    m, v = s2 / n, s2 * (1 - 1 / n)
    for _ in range(int(p["t"]) - 1):
        m, v = q**2 * m + q * a * v / n + s2 * lam / n, lam * q * m + (1 - 1 / n) * q * a * v + s2 * (1 - 1 / n) * lam
    return m, v


def kde_fresh_mean_sq(p: Mapping[str, mpf]) -> Terms:
    return {"mean_sq": _kde_fresh(p)[0]}


def kde_fresh_var(p: Mapping[str, mpf]) -> Terms:
    return {"var": _kde_fresh(p)[1]}


def kde_spectral_radius(n: mpf, lam: mpf) -> mpf:
    """The larger eigenvalue of the 2×2 matrix A of §5.8, (tr + √(tr² − 4 det))/2."""
    q, a = 1 - lam, kde_gain(n)
    a11, a12, a21, a22 = q**2, q * a / n, lam * q, (1 - 1 / n) * q * a
    tr, det = a11 + a22, a11 * a22 - a12 * a21
    return (tr + mpmath.sqrt(tr**2 - 4 * det)) / 2


def kde_fresh_threshold(p: Mapping[str, mpf]) -> Terms:
    """The λ in (0, 1) where the spectral radius of A is 1, by bisection (ρ(A) > 1 at λ = 0, 0 at λ = 1)."""
    lo, hi = mpf(0), mpf(1)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if kde_spectral_radius(p["n"], mid) > 1 else (lo, mid)
    return {"threshold": (lo + hi) / 2}


# --- the table: id -> (formula, points) --------------------------------------------------------------------------

_THM1_BASE = {"M": 1.0, "lam": 0.5, "n": 1000.0, "delta": 0.05, "eps": 0.05, "kappa": 1.0, "g": 1.0, "i": 10.0}
_ONES = {"c1": 1.0, "c2": 1.0, "c3": 1.0, "c4": 1.0}
_THM2_BASE = {"M": 1.0, "lam": 0.5, "n": 1000.0, "delta": 0.05, "L_loss": 1.0, "Gamma": 0.5, "D": 2.0}

GOLDEN: dict[str, tuple[GoldenFunction, tuple[dict[str, float], ...]]] = {
    "lemma.shift": (
        lemma_shift,
        (
            {"eps": 0.05, "lam": 0.3, "i": 7.0},
            {"eps": 0.2, "lam": 1e-9, "i": 150.0},  # ρ = 1 − 1e-9
            {"eps": 0.01, "lam": 0.0, "i": 12.0},  # ρ = 1: (i + 1)ε
            {"eps": 0.3, "lam": 0.75, "i": 0.0},
        ),
    ),
    "lemma.amplified_shift": (
        lemma_amplified_shift,
        (
            {"eps": 0.05, "lam": 0.2, "kappa": 1.5, "i": 30.0},  # ρ = 1.2: geometric blow-up
            {"eps": 0.1, "lam": 0.5, "kappa": KAPPA_NEAR_ONE, "i": 1000.0},  # ρ = 1 − 2⁻⁴⁰
            {"eps": 0.02, "lam": 0.6, "kappa": 0.5, "i": 9.0},
            {"eps": 0.07, "lam": 0.25, "kappa": 4 / 3, "i": 40.0},  # ρ = 1 − 2⁻⁵⁴ (float64 rounds it to 1)
        ),
    ),
    "lemma.recursive_stability": (
        lemma_recursive_stability,
        (
            {"g": 2.5, "n": 500.0, "lam": 0.1, "kappa": 1.1, "i": 25.0},
            {"g": 0.7, "n": 1e6, "lam": 0.0, "kappa": 1.0, "i": 60.0},  # ρ = 1
            {"g": 3.0, "n": 40.0, "lam": 0.4, "kappa": 2.5, "i": 12.0},  # ρ = 1.5
        ),
    ),
    "fu2025.thm1": (
        fu2025_thm1,
        (
            {
                **_THM1_BASE,
                "M": 2.0,
                "lam": 0.3,
                "n": 5000.0,
                "delta": 0.01,
                "beta": 1e-3,
                "eps": 0.02,
                "kappa": 1.2,
                "g": 3.0,
                "i": 15.0,
                "c1": 1.5,
                "c2": 0.7,
                "c3": 2.0,
                "c4": 0.4,
            },
            {**_THM1_BASE, **_ONES, "kappa": KAPPA_NEAR_ONE, "i": 200.0},  # ρ = 1 − 2⁻⁴⁰, β = 1/n
            {
                "M": 0.5,
                "lam": 0.1,
                "n": 200.0,
                "delta": 0.2,
                "beta": 0.004,
                "eps": 0.1,
                "kappa": 1.0,
                "g": 2.0,
                "i": 4.0,
                "c1": 2.0,
                "c2": 3.0,
                "c3": 0.5,
                "c4": 1.5,
                "gamma": 0.02,
                "shift": 0.3,
            },  # overrides
            {
                **_THM1_BASE,
                "M": 3.0,
                "lam": 0.2,
                "n": 64.0,
                "delta": 0.1,
                "beta": 0.01,
                "kappa": 1.5,
                "i": 0.0,
                "c1": 1.0,
                "c2": 1.0,
                "c3": 1.0,
                "c4": 2.0,
            },  # B_0: the i.i.d. bound
            {**_THM1_BASE, **_ONES, "i": 0.0, "gamma": 0.05, "shift": 0.2},  # B_0 ignores the overrides
            {**_THM1_BASE, **_ONES, "lam": 0.1, "kappa": 2.0, "i": 30.0, "g": 0.5},  # ρ = 1.8
        ),
    ),
    "fu2025.thm2": (
        fu2025_thm2,
        (
            {
                **_THM2_BASE,
                "M": 1.5,
                "lam": 0.4,
                "n": 2000.0,
                "delta": 0.02,
                "L_loss": 0.8,
                "Gamma": 0.3,
                "D": 3.0,
                "eps": 0.03,
                "kappa": 1.25,
                "i": 12.0,
                "c1": 0.5,
                "c2": 1.5,
                "c3": 2.0,
                "c4": 0.25,
            },
            {**_THM2_BASE, **_ONES, "eps": 0.05, "kappa": KAPPA_NEAR_ONE, "i": 150.0},  # ρ = 1 − 2⁻⁴⁰
            {
                "M": 2.0,
                "lam": 0.3,
                "n": 100.0,
                "delta": 0.1,
                "L_loss": 2.0,
                "Gamma": 1.0,
                "D": 1.0,
                "eps": 0.1,
                "kappa": 0.5,
                "i": 0.0,
                "c1": 1.0,
                "c2": 2.0,
                "c3": 0.5,
                "c4": 3.0,
            },  # B_0
            {
                **_THM2_BASE,
                **_ONES,
                "lam": 0.0,
                "n": 1e4,
                "L_loss": 0.5,
                "Gamma": 0.1,
                "D": 4.0,
                "eps": 0.01,
                "kappa": 1.0,
                "i": 20.0,
            },  # ρ = 1
        ),
    ),
    "fu2025.optimal_m": (
        fu2025_optimal_m,
        (
            {"n": 1000.0, "a": 0.2, "delta": 0.05, "c1": 1.0, "c3": 1.0},
            {"n": 250.0, "a": 0.05, "delta": 0.001, "c1": 2.0, "c3": 0.8},
            {"n": 1000.0, "a": 1.0, "delta": 0.05, "c1": 1.0, "c3": 1.0},  # C < 2 c1 a: m* = 0
        ),
    ),
    "fu2025.synthetic_size_objective": (
        fu2025_synthetic_size_objective,
        (
            {"M": 2.0, "n": 1000.0, "lam": 0.25, "a": 0.5, "delta": 0.05, "c1": 1.5, "c3": 0.7},
            {"M": 1.0, "n": 50.0, "lam": 0.9, "a": 2.0, "delta": 0.3, "c1": 1.0, "c3": 2.0},
            {"M": 0.5, "n": 1e5, "lam": 0.01, "a": 0.1, "delta": 0.001, "c1": 3.0, "c3": 1.0},
        ),
    ),
    "bousquet2002.stability": (
        bousquet2002,
        (
            {"beta": 1e-4, "n": 1e4, "M": 1.0, "delta": 0.05},
            {"beta": 0.002, "n": 500.0, "M": 3.0, "delta": 0.001},
            {"n": 2000.0, "M": 0.5, "delta": 0.2},  # β = 1/n
        ),
    ),
    "bkz2020.stability": (
        bkz2020,
        (
            {"beta": 1e-3, "n": 5000.0, "M": 2.0, "delta": 0.01, "c": 1.5},
            {"n": 300.0, "M": 1.0, "delta": 0.1, "c": 0.25},  # β = 1/n
            {"beta": 0.05, "n": 20.0, "M": 0.1, "delta": 0.5, "c": 1.0},
        ),
    ),
    "li2023.transformer_K": (
        li2023_k,
        (
            {"L_loss": 1.0, "Gamma": 0.5, "D": 2.0},
            {"L_loss": 0.3, "Gamma": 1.7, "D": 5.0},
            {"L_loss": 2.0, "Gamma": 0.0, "D": 3.0},
        ),
    ),
    "gauss.replace.unbiased.mean_sq_err": (
        replace_unbiased_mean_sq_err,
        (
            {"sigma": 1.5, "n": 40.0, "t": 7.0},
            {"sigma": 0.3, "n": 2.0, "t": 1.0},
            {"sigma": 2.0, "n": 1000.0, "t": 150.0},
        ),
    ),
    "gauss.replace.unbiased.var": (
        replace_unbiased_var,
        ({"sigma": 1.7, "n": 10.0, "t": 3.0}, {"sigma": 0.5, "n": 2.0, "t": 100.0}),
    ),
    "gauss.replace.unbiased.std": (
        replace_unbiased_std,
        (
            {"sigma": 1.3, "n": 10.0, "t": 5.0},
            {"sigma": 0.8, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 500.0, "t": 200.0},
        ),
    ),
    "gauss.replace.unbiased.log_var": (
        replace_unbiased_log_var,
        (
            {"sigma": 1.5, "n": 20.0, "t": 12.0},
            {"sigma": 0.4, "n": 3.0, "t": 2.0},
            {"sigma": 3.0, "n": 1000.0, "t": 500.0},
        ),
    ),
    "gauss.replace.unbiased.w2_sq": (
        replace_unbiased_w2_sq,
        (
            {"sigma": 1.2, "n": 15.0, "t": 9.0},
            {"sigma": 0.7, "n": 2.0, "t": 4.0},
            {"sigma": 2.5, "n": 300.0, "t": 60.0},
        ),
    ),
    "gauss.replace.mle.var": (
        replace_mle_var,
        (
            {"sigma": 1.4, "n": 25.0, "t": 11.0},
            {"sigma": 0.9, "n": 2.0, "t": 3.0},
            {"sigma": 3.0, "n": 1e5, "t": 1000.0},
        ),
    ),
    "gauss.replace.mle.mean_sq_err": (
        replace_mle_mean_sq_err,
        (
            {"sigma": 1.4, "n": 25.0, "t": 11.0},
            {"sigma": 0.9, "n": 2.0, "t": 3.0},
            {"sigma": 3.0, "n": 1e6, "t": 50.0},  # ρ = 1 − 1e-6
        ),
    ),
    "gauss.replace.unbiased.det_ratio": (
        replace_unbiased_det_ratio,
        ({"d": 5.0, "n": 100.0, "t": 10.0}, {"d": 3.0, "n": 4.0, "t": 2.0}, {"d": 10.0, "n": 50.0, "t": 20.0}),
    ),
    "gauss.replace.mle.det_ratio": (
        replace_mle_det_ratio,
        ({"d": 5.0, "n": 100.0, "t": 10.0}, {"d": 1.0, "n": 7.0, "t": 4.0}, {"d": 3.0, "n": 4.0, "t": 2.0}),
    ),
    "gauss.fresh.mean_sq_err": (
        fresh_mean_sq_err,
        (
            {"sigma": 1.5, "n": 40.0, "lam": 0.25, "t": 7.0},
            {"sigma": 0.8, "n": 1000.0, "lam": 0.001, "t": 200.0},  # spectral radius near 1
            {"sigma": 1.0, "n": 10.0, "lam": 0.0, "t": 5.0},  # λ = 0: the replace loop
            {"sigma": 2.0, "n": 20.0, "lam": 1.0, "t": 6.0},
            {"sigma": 1.1, "n": 8.0, "lam": 0.5, "t": 1.0},
        ),
    ),
    "gauss.fresh.var": (
        fresh_var,
        (
            {"sigma": 1.5, "n": 40.0, "lam": 0.25, "t": 7.0},
            {"sigma": 0.8, "n": 1000.0, "lam": 0.001, "t": 200.0},
            {"sigma": 1.0, "n": 10.0, "lam": 0.0, "t": 5.0},
            {"sigma": 1.1, "n": 8.0, "lam": 0.5, "t": 2.0},
        ),
    ),
    "gauss.reused.mean_sq_err": (
        reused_mean_sq_err,
        (
            {"sigma": 1.5, "n": 40.0, "lam": 0.25, "t": 7.0},
            {"sigma": 0.6, "n": 1000.0, "lam": 0.002, "t": 150.0},
            {"sigma": 1.0, "n": 10.0, "lam": 1.0, "t": 4.0},
            {"sigma": 2.0, "n": 20.0, "lam": 0.5, "t": 2.0},
        ),
    ),
    "gauss.reused.var": (
        reused_var,
        (
            {"sigma": 1.5, "n": 40.0, "lam": 0.25, "t": 7.0},
            {"sigma": 0.6, "n": 1000.0, "lam": 0.002, "t": 150.0},
            {"sigma": 2.0, "n": 20.0, "lam": 0.5, "t": 2.0},
        ),
    ),
    "gauss.accumulate.mle.var": (
        accumulate_mle_var,
        (
            {"sigma": 1.3, "n": 10.0, "t": 8.0},
            {"sigma": 0.5, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 100.0, "t": 10_000.0},
            {"sigma": 1.0, "n": 50.0, "t": 1e9},
        ),
    ),
    "gauss.accumulate.mle.mean_sq_err": (
        accumulate_mle_mean_sq_err,
        (
            {"sigma": 1.3, "n": 10.0, "t": 8.0},
            {"sigma": 0.5, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 100.0, "t": 2000.0},
        ),
    ),
    "gauss.accumulate.unbiased.var": (
        accumulate_unbiased_var,
        (
            {"sigma": 1.3, "n": 10.0, "t": 8.0},
            {"sigma": 0.5, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 100.0, "t": 2000.0},
            {"sigma": 0.9, "n": 7.0, "t": 1.0},
        ),
    ),
    "gauss.accumulate_subsample.mle.mean_sq_err": (
        accumulate_subsample_mean_sq_err,
        (
            {"sigma": 1.3, "n": 10.0, "t": 8.0},
            {"sigma": 0.5, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 100.0, "t": 2000.0},
            {"sigma": 0.9, "n": 7.0, "t": 1.0},
        ),
    ),
    "gauss.accumulate_subsample.mle.var": (
        accumulate_subsample_var,
        (
            {"sigma": 1.3, "n": 10.0, "t": 8.0},
            {"sigma": 0.5, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 100.0, "t": 2000.0},
            {"sigma": 0.9, "n": 7.0, "t": 1.0},
        ),
    ),
    "gauss.weighted.stationary_mean_sq_err": (
        weighted_stationary,
        (
            {"sigma": 1.5, "n": 100.0, "k": 1.0, "w": 0.618},
            {"sigma": 0.7, "n": 30.0, "k": 4.0, "w": 0.2},
            {"sigma": 2.0, "n": 1000.0, "k": 0.25, "w": 1.0},
        ),
    ),
    "gauss.weighted.w_opt": (
        weighted_w_opt,
        ({"k": 1.0}, {"k": 4.0}, {"k": 0.01}, {"k": 100.0}),
    ),
    "regression.replace.test_err": (
        regression_replace,
        (
            {"sigma": 1.5, "d": 5.0, "T": 100.0, "t": 7.0},
            {"sigma": 0.3, "d": 1.0, "T": 3.0, "t": 1.0},
            {"sigma": 2.0, "d": 20.0, "T": 22.0, "t": 50.0},
        ),
    ),
    "regression.accumulate.test_err": (
        regression_accumulate,
        (
            {"sigma": 1.5, "d": 5.0, "T": 100.0, "t": 7.0},
            {"sigma": 0.3, "d": 1.0, "T": 3.0, "t": 1.0},
            {"sigma": 2.0, "d": 20.0, "T": 40.0, "t": 3000.0},
        ),
    ),
    "regression.two_size.test_err": (
        regression_two_size,
        (
            {"sigma": 1.5, "sigma0": 0.5, "d": 5.0, "T": 100.0, "T0": 30.0, "t": 7.0},
            {"sigma": 0.4, "sigma0": 2.0, "d": 2.0, "T": 4.0, "T0": 50.0, "t": 1.0},
        ),
    ),
    "icl.ols.risk": (
        icl_ols,
        (
            {"d": 5.0, "N": 20.0, "sigma2": 0.25},
            {"d": 1.0, "N": 3.0, "sigma2": 2.0},
            {"d": 10.0, "N": 50.0, "sigma2": 1.5},
        ),
    ),
    "icl.averaging.risk": (
        icl_averaging,
        (
            {"d": 5.0, "N": 20.0, "sigma2": 0.25},
            {"d": 1.0, "N": 1.0, "sigma2": 0.0},
            {"d": 12.0, "N": 300.0, "sigma2": 3.0},
        ),
    ),
    "icl.lsa_opt.risk": (
        icl_lsa_opt,
        (
            {"d": 5.0, "N": 20.0, "sigma2": 0.25},
            {"d": 1.0, "N": 1.0, "sigma2": 0.0},
            {"d": 12.0, "N": 300.0, "sigma2": 3.0},
        ),
    ),
    "cat.replace.diversity": (
        cat_replace_diversity,
        (
            {"H0": 0.75, "n": 10.0, "t": 6.0},
            {"H0": 0.3, "n": 1.0, "t": 2.0},
            {"H0": 0.9, "n": 1000.0, "t": 1500.0},
        ),
    ),
    "cat.fresh.diversity": (
        cat_fresh_diversity,
        (
            {"H0": 0.75, "n": 10.0, "lam": 0.3, "t": 6.0},
            {"H0": 0.6, "n": 40.0, "lam": 0.0, "t": 9.0},
            {"H0": 0.5, "n": 8.0, "lam": 1.0, "t": 4.0},
            {"H0": 0.9, "n": 1000.0, "lam": 0.002, "t": 400.0},
            {"H0": 0.2, "n": 5.0, "lam": 0.8, "t": 3.0},
        ),
    ),
    "cat.accumulate.diversity": (
        cat_accumulate_diversity,
        (
            {"H0": 0.75, "n": 10.0, "t": 6.0},
            {"H0": 0.3, "n": 2.0, "t": 3.0},
            {"H0": 0.9, "n": 50.0, "t": 1e9},
        ),
    ),
    "cat.accumulate_subsample.diversity": (
        cat_accumulate_subsample_diversity,
        (
            {"H0": 0.75, "n": 10.0, "t": 6.0},
            {"H0": 0.3, "n": 2.0, "t": 3.0},
            {"H0": 0.9, "n": 50.0, "t": 3000.0},
            {"H0": 0.6, "n": 7.0, "t": 1.0},
        ),
    ),
    "cat.replace.fixation": (
        cat_fixation,
        ({"p0k": 0.1}, {"p0k": 0.6}, {"p0k": 1.0}),
    ),
    "cat.replace.fixation_time": (
        cat_fixation_time,
        ({"K": 6.0, "n": 1000.0}, {"K": 2.0, "n": 50.0}, {"K": 300.0, "n": 7.0}),
    ),
    "kde.replace.var": (
        kde_replace_var,
        (
            {"sigma": 1.3, "n": 20.0, "t": 6.0},
            {"sigma": 0.7, "n": 2.0, "t": 3.0},
            {"sigma": 2.0, "n": 1000.0, "t": 1.0},
            {"sigma": 1.0, "n": 500.0, "t": 150.0},
        ),
    ),
    "kde.fixed_bandwidth.var": (
        kde_fixed_bandwidth_var,
        (
            {"sigma": 1.3, "n": 20.0, "t": 6.0, "h": 0.7},
            {"sigma": 0.5, "n": 3.0, "t": 1.0, "h": 2.0},
            {"sigma": 2.0, "n": 100.0, "t": 300.0, "h": 0.05},
        ),
    ),
    "kde.fresh.mean_sq": (
        kde_fresh_mean_sq,
        (
            {"sigma": 1.3, "n": 20.0, "lam": 0.25, "t": 6.0},
            {"sigma": 1.0, "n": 10.0, "lam": 0.0, "t": 5.0},
            {"sigma": 2.0, "n": 8.0, "lam": 1.0, "t": 4.0},
            {"sigma": 0.8, "n": 200.0, "lam": 0.1, "t": 120.0},
            {"sigma": 1.1, "n": 4.0, "lam": 0.75, "t": 2.0},
        ),
    ),
    "kde.fresh.var": (
        kde_fresh_var,
        (
            {"sigma": 1.3, "n": 20.0, "lam": 0.25, "t": 6.0},
            {"sigma": 1.0, "n": 10.0, "lam": 0.0, "t": 5.0},
            {"sigma": 2.0, "n": 8.0, "lam": 1.0, "t": 4.0},
            {"sigma": 0.8, "n": 200.0, "lam": 0.1, "t": 120.0},
            {"sigma": 1.1, "n": 4.0, "lam": 0.75, "t": 2.0},
        ),
    ),
    "kde.fresh.threshold": (
        kde_fresh_threshold,
        ({"n": 50.0}, {"n": 2.0}, {"n": 10000.0}),
    ),
}


def expected_terms(bound_id: str, point: Mapping[str, float]) -> Terms:
    """The golden terms of ``bound_id`` at ``point`` (mpmath numbers at ``DPS`` digits, or more if the caller
    works at more: ``mpmath.diff`` raises the precision to resolve its steps)."""
    formula, _ = GOLDEN[bound_id]
    with mpmath.workdps(max(DPS, mpmath.mp.dps)):
        return {name: +value for name, value in formula({k: mpf(v) for k, v in point.items()}).items()}
