// The special functions of stl_bounds/special.py in JavaScript, for the formulas that
// stl_bounds/explorer/jscode.py compiles (object S).  Each is a scalar port of the numpy version,
// with the same numerical care (docs/theory.md §3 and §5); the browser tests compare them with
// the Python ones.  A value with no real result is NaN (the page then reports "diverges").
"use strict";
const S = (function () {
  // B_2, B_4, ..., B_16 of the Stirling series (special.py _BERNOULLI).
  const BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510];
  // Gamma-type arguments are shifted up to at least this value before the asymptotic series.
  const ASYMPTOTIC_FROM = 10.0;

  // geom(rho, k) = sum_{j<k} rho^j = (1 - rho^k)/(1 - rho): 1 - rho^k as -expm1(k log rho) where
  // |k log rho| < 1/4, so there is no cancellation near rho = 1 (where 1 - rho is exact); k at rho = 1.
  function geometricSum(rho, k) {
    let x = k * Math.log(rho);
    if (k === 0) x = 0;
    const numerator = Math.abs(x) < 0.25 ? -Math.expm1(x) : 1 - Math.exp(x);
    if (rho === 1) return k;
    return numerator / (1 - rho) + 0;
  }

  // Product of two upper-triangular matrices (arrays of rows).
  function triangularProduct(a, b, size) {
    const out = [];
    for (let i = 0; i < size; i++) {
      const row = new Array(size).fill(0);
      for (let j = i; j < size; j++) {
        let s = 0;
        for (let m = i; m <= j; m++) s += a[i][m] * b[m][j];
        row[j] = s;
      }
      out.push(row);
    }
    return out;
  }

  // Divided difference (.)^k[x_0, ..., x_m] by Opitz's formula: entry (0, m) of J^k, J upper
  // bidiagonal with the nodes on its diagonal, by binary powering (exact where nodes coincide).
  function dividedPower(k, ...nodes) {
    if (!(k >= 0 && Math.floor(k) === k)) return NaN;
    const size = nodes.length;
    let base = nodes.map((x, i) => nodes.map((_, j) => (i === j ? x : j === i + 1 ? 1 : 0)));
    let power = nodes.map((_, i) => nodes.map((_, j) => (i === j ? 1 : 0)));
    let exponent = k;
    while (exponent > 0) {
      if (exponent % 2 === 1) power = triangularProduct(power, base, size);
      exponent = Math.floor(exponent / 2);
      if (exponent > 0) base = triangularProduct(base, base, size);
    }
    return power[0][size - 1] + 0;
  }

  // log(Gamma(x+a) / (Gamma(x) x^a)): recurrence up to min(z, z+a) >= 10, then the Stirling series
  // in u = a/z with log1p/expm1 (special.py log_gamma_ratio_numpy).
  function logGammaRatio(x, a) {
    if (!(x > 0 && x + a > 0)) return NaN;
    let z = x;
    let total = 0;
    while (Math.min(z, z + a) < ASYMPTOTIC_FROM) {
      total += a * Math.log1p(1.0 / z) - Math.log1p(a / z);
      z += 1.0;
    }
    const u = a / z;
    const w = Math.log1p(u);
    let phi;
    if (Math.abs(u) <= 0.1) {
      let series = 0;
      for (let j = 20; j > 1; j--) series = series * -u + 1.0 / (j * (j - 1));
      phi = u * u * series;
    } else {
      phi = (1.0 + u) * w - u;
    }
    total += z * phi - 0.5 * w;
    BERNOULLI.forEach((b, idx) => {
      const i = idx + 1;
      total += (b / (2 * i * (2 * i - 1))) * Math.pow(z, 1 - 2 * i) * Math.expm1((1 - 2 * i) * w);
    });
    return total + 0;
  }

  // psi(x) - log(x) without the cancellation of the two terms (special.py digamma_minus_log_numpy).
  function digammaMinusLog(x) {
    if (!(x > 0)) return NaN;
    let z = x;
    let total = 0;
    while (z < ASYMPTOTIC_FROM) {
      total += Math.log1p(1.0 / z) - 1.0 / z;
      z += 1.0;
    }
    const inv2 = 1.0 / (z * z);
    let term = 1;
    total -= 0.5 / z;
    BERNOULLI.forEach((b, idx) => {
      const i = idx + 1;
      term = term * inv2;
      total -= (b / (2 * i)) * term;
    });
    return total + 0;
  }

  function factorial(m) {
    let f = 1;
    for (let j = 2; j <= m; j++) f *= j;
    return f;
  }

  // polygamma(m, x) for an integer m >= 0 and x > 0: psi^(m)(z) = psi^(m)(z+1) + (-1)^(m+1) m!/z^(m+1)
  // up to z >= 10 + m, then the asymptotic series
  // (-1)^(m+1) [(m-1)!/z^m + m!/(2 z^(m+1)) + sum_k B_2k (2k+m-1)!/((2k)! z^(2k+m))].
  function polygamma(m, x) {
    if (!(m >= 0 && Math.floor(m) === m && x > 0)) return NaN;
    if (m === 0) return digammaMinusLog(x) + Math.log(x);
    const sign = m % 2 === 1 ? 1 : -1;
    const mFactorial = factorial(m);
    let z = x;
    let shifted = 0;
    while (z < ASYMPTOTIC_FROM + m) {
      shifted += mFactorial / Math.pow(z, m + 1);
      z += 1.0;
    }
    let series = factorial(m - 1) / Math.pow(z, m) + mFactorial / (2 * Math.pow(z, m + 1));
    BERNOULLI.forEach((b, idx) => {
      const k = idx + 1;
      series += (b * factorial(2 * k + m - 1)) / (factorial(2 * k) * Math.pow(z, 2 * k + m));
    });
    return sign * (shifted + series);
  }

  // log Gamma(x) for x > 0: log Gamma(z) = log Gamma(z+1) - log z up to z >= 10, then Stirling.
  function lgamma(x) {
    if (!(x > 0)) return NaN;
    let z = x;
    let product = 1;
    while (z < ASYMPTOTIC_FROM) {
      product *= z;
      z += 1.0;
    }
    let total = (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) - Math.log(product);
    BERNOULLI.forEach((b, idx) => {
      const i = idx + 1;
      total += b / (2 * i * (2 * i - 1) * Math.pow(z, 2 * i - 1));
    });
    return total;
  }

  // Gamma(x) for x > 0 (exp of lgamma; overflows to Infinity past x ~ 171.6).
  function gamma(x) {
    return x > 0 ? Math.exp(lgamma(x)) : NaN;
  }

  return { geometricSum, dividedPower, logGammaRatio, digammaMinusLog, polygamma, lgamma, gamma };
})();
