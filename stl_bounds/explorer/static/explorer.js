// The bound explorer (issue 11): one control per parameter, the curve of a bound and its stacked terms
// against any parameter, the regime of docs/theory.md §4.1, a target with the parameter value meeting it
// (bisection), the view in the URL and a CSV export.  Every number comes from the JavaScript that
// stl_bounds/explorer/jscode.py compiled from the registry's sympy expressions (KERNELS, with S of
// special.js); validation mirrors stl_bounds/evaluation.py, with the CLI's messages.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("stl-data").textContent);
  const BOUNDS = {};
  DATA.bounds.forEach((b) => (BOUNDS[b.id] = b));
  const M_DOMAIN = DATA.mDomain;
  const REGIME_COLOURS = { converges: "#009E7322", critical: "#E69F0038", collapses: "#D55E0022" };
  const TERM_COLOURS = ["#0072B2", "#56B4E9", "#CC79A7", "#F0E442", "#009E73", "#E69F00", "#D55E00", "#999999"];
  const POINTS = 1000;
  const SLIDER_STEPS = 1000;

  class ParameterError extends Error {}

  // --- formatting, as Python's format(v, "g") and stl_bounds.domains._fmt -------------------------------
  function stripZeros(text) {
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }
  function fmtG(v) {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (v === 0) return Object.is(v, -0) ? "-0" : "0";
    const [mantissa, exponentText] = v.toExponential(5).split("e");
    const exponent = parseInt(exponentText, 10);
    if (exponent < -4 || exponent >= 6) {
      const sign = exponent < 0 ? "-" : "+";
      return stripZeros(mantissa) + "e" + sign + String(Math.abs(exponent)).padStart(2, "0");
    }
    return stripZeros(v.toFixed(Math.max(0, 5 - exponent)));
  }
  function fmtValue(v) {
    if (Number.isFinite(v) && Number.isInteger(v) && Math.abs(v) < 1e15) return String(v === 0 ? 0 : v);
    return fmtG(v);
  }
  function pyRepr(v) {
    if (typeof v === "string") return "'" + v + "'";
    if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v);
    return String(v);
  }

  // --- domains ------------------------------------------------------------------------------------------
  function inDomain(d, x) {
    if (!Number.isFinite(x)) return false;
    if (d.lower !== null && (d.lowerOpen ? !(x > d.lower) : !(x >= d.lower))) return false;
    if (d.upper !== null && (d.upperOpen ? !(x < d.upper) : !(x <= d.upper))) return false;
    return !d.integer || Math.floor(x) === x;
  }
  function validateValue(name, domain, domainText, raw) {
    if (typeof raw !== "number") throw new ParameterError(`${name} must be a real number; got ${pyRepr(raw)}`);
    if (!inDomain(domain, raw)) throw new ParameterError(`${name} must be ${domainText}; got ${fmtValue(raw)}`);
    return raw;
  }

  // --- evaluation (stl_bounds/evaluation.py: _validated, kernel, classify_regime) -----------------------
  function regimeOf(rho) {
    if (rho === null) return "n/a";
    return rho > 1 ? "collapses" : rho >= 1 ? "critical" : "converges";
  }

  // Validated kernel arguments (NaN for expression defaults not given) and the names given.
  function validated(b, params) {
    const names = b.params.map((p) => p.name);
    const allowed = names.concat(b.acceptsM ? ["m"] : []);
    const unknown = Object.keys(params).filter((k) => !allowed.includes(k)).sort();
    if (unknown.length) {
      throw new ParameterError(
        `unknown parameter '${unknown[0]}' for ${b.id}; allowed: ${allowed.slice().sort().join(", ")}`
      );
    }
    if ("m" in params && "lam" in params) {
      throw new ParameterError(
        `give lam or m, not both (λ = n/(n+m)); got lam=${pyRepr(params.lam)}, m=${pyRepr(params.m)}`
      );
    }
    const values = {};
    for (const [name, raw] of Object.entries(params)) {
      const p = b.params.find((q) => q.name === name);
      values[name] = p
        ? validateValue(name, p.domain, p.domainText, raw)
        : validateValue(name, M_DOMAIN.domain, M_DOMAIN.domainText, raw);
    }
    const args = new Array(b.params.length).fill(NaN);
    const defaulted = new Set();
    b.params.forEach((p, j) => {
      if (p.name in values) args[j] = values[p.name];
      else if (p.name === "lam" && "m" in values) return;
      else if (p.default === null) throw new ParameterError(`${p.name} is required for ${b.id} (${p.description})`);
      else if (p.dependent) defaulted.add(p.name);
      else args[j] = values[p.name] = p.default;
    });
    if ("m" in values) {
      const j = names.indexOf("lam");
      const n = values.n;
      const lamParam = b.params[j];
      args[j] = values.lam = validateValue("lam", lamParam.domain, lamParam.domainText, n / (n + values.m));
    }
    const fns = KERNELS[b.id].constraints;
    fns.forEach((fn, k) => {
      if (!fn(...args)) {
        const got = names.filter((n) => n in values).map((n) => `${n}=${fmtG(values[n])}`).join(", ");
        throw new ParameterError(`${b.id}: ${b.constraints[k]}; got ${got}`);
      }
    });
    return { args, defaulted };
  }

  // Kernel outputs at validated arguments; fills the expression defaults in args.
  function run(b, args, defaulted) {
    const code = KERNELS[b.id];
    for (const name of b.defaultOrder) {
      if (defaulted.has(name)) {
        const j = b.params.findIndex((p) => p.name === name);
        args[j] = code.defaults[name](...args);
      }
    }
    return code.kernel(...args);
  }

  function result(b, args, out) {
    const nT = b.terms.length;
    const terms = {};
    b.terms.forEach((t, k) => (terms[t.name] = out[k]));
    const rho = b.hasGrowth ? out[nT + 1] : null;
    const trivial = b.hasTrivial ? out[out.length - 1] : null;
    const params = {};
    b.params.forEach((p, j) => (params[p.name] = args[j]));
    const finite = out.slice(0, nT + 1 + (b.hasGrowth ? 1 : 0)).every(Number.isFinite);
    return {
      value: finite ? out[nT] : null,
      terms,
      regime: regimeOf(rho),
      rho,
      trivial,
      vacuous: trivial !== null && finite ? out[nT] >= trivial : null,
      params,
      error: finite ? null : "diverges",
    };
  }

  // {value, terms, regime, ...} at params (missing ones take their defaults); a refused value gives
  // {error: <the CLI's message>}, an overflow {error: "diverges"}.
  function evaluate(id, params) {
    const b = BOUNDS[id];
    if (!b) return { value: null, terms: null, regime: null, error: `unknown id '${id}'` };
    let checked;
    try {
      checked = validated(b, params || {});
    } catch (e) {
      if (e instanceof ParameterError) return { value: null, terms: null, regime: null, error: e.message };
      throw e;
    }
    const out = run(b, checked.args, checked.defaulted);
    return result(b, checked.args, out);
  }

  // --- state and controls -------------------------------------------------------------------------------
  const el = (id) => document.getElementById(id);
  let state = null;
  let plot = null;
  let plotKey = "";
  let curve = null;
  let redrawStart = 0;
  const timing = { lastRedrawMs: null, curveMs: null, redraws: 0 };

  function freshState(id) {
    const b = BOUNDS[id];
    const xp = b.params.find((p) => p.name === b.x);
    return {
      id,
      values: {},
      x: b.x,
      from: xp.lo,
      to: xp.hi,
      xlog: xp.log,
      ylog: false,
      target: null,
      solve: b.params.some((p) => p.name === "lam") ? "lam" : b.x,
    };
  }

  // The parameter values of the current point: set ones, numeric defaults; dependents unless overridden.
  function pointParams() {
    const b = BOUNDS[state.id];
    const out = {};
    b.params.forEach((p) => {
      if (p.name in state.values) out[p.name] = state.values[p.name];
      else if (!p.dependent && p.default !== null) out[p.name] = p.default;
      else if (p.default === null) out[p.name] = p.start;
    });
    return out;
  }

  function sliderToValue(p, position) {
    const f = position / SLIDER_STEPS;
    let v = p.log ? Math.exp(Math.log(p.lo) + f * (Math.log(p.hi) - Math.log(p.lo))) : p.lo + f * (p.hi - p.lo);
    if (p.domain.integer) v = Math.round(v);
    return Math.min(p.hi, Math.max(p.lo, v));
  }
  function valueToSlider(p, v) {
    const c = Math.min(p.hi, Math.max(p.lo, v));
    const f = p.log ? Math.log(c / p.lo) / Math.log(p.hi / p.lo) : (c - p.lo) / (p.hi - p.lo || 1);
    return Math.round(f * SLIDER_STEPS);
  }
  const shown = (v) => (Number.isFinite(v) ? String(Number(v.toPrecision(8))) : fmtValue(v));
  // 8 significant digits rounded up: a smallest value that meets a target, printed on the safe side.
  function shownUp(v) {
    if (!Number.isFinite(v) || v === 0) return shown(v);
    const step = Math.pow(10, Math.floor(Math.log10(Math.abs(v))) - 7);
    let up = Number((Math.ceil(v / step) * step).toPrecision(8));
    if (up < v) up = Number((up + step).toPrecision(8));
    return String(up);
  }

  function showMessage(text) {
    el("message").textContent = text || "";
  }

  // Set parameter `name` to `value` if the bound accepts it at the current point; else show the message.
  function trySet(name, value) {
    const params = Object.assign(pointParams(), { [name]: value });
    const r = evaluate(state.id, params);
    if (r.error && r.error !== "diverges") {
      showMessage(r.error);
      return false;
    }
    state.values[name] = value;
    showMessage("");
    return true;
  }

  function buildControls() {
    const b = BOUNDS[state.id];
    const box = el("controls");
    box.textContent = "";
    b.params.forEach((p) => {
      const row = document.createElement("div");
      row.className = "control";
      row.title = `${p.description}; domain ${p.domainText}`;
      const label = document.createElement("label");
      label.textContent = `${p.label} (${p.name})`;
      label.htmlFor = `num-${p.name}`;
      const slider = document.createElement("input");
      slider.type = "range";
      slider.min = "0";
      slider.max = String(SLIDER_STEPS);
      slider.id = `slider-${p.name}`;
      slider.setAttribute("aria-label", `${p.name} slider`);
      const num = document.createElement("input");
      num.type = "text";
      num.id = `num-${p.name}`;
      num.className = "num";
      const note = document.createElement("span");
      note.className = "note";
      note.textContent = p.domainText + (p.dependent ? `; default ${p.default}` : "");
      slider.addEventListener("input", () => {
        redrawStart = performance.now();
        const v = sliderToValue(p, Number(slider.value));
        if (trySet(p.name, v)) update();
      });
      num.addEventListener("change", () => {
        redrawStart = performance.now();
        const text = num.value.trim();
        const v = text === "" ? NaN : Number(text);
        if (text === "" || Number.isNaN(v)) {
          showMessage(`${p.name}: not a number; got '${num.value}'`);
        } else {
          const params = Object.assign(pointParams(), { [p.name]: v });
          const r = evaluate(state.id, params);
          if (r.error && r.error !== "diverges") showMessage(r.error);
          else {
            state.values[p.name] = v;
            showMessage("");
          }
        }
        update();
      });
      row.append(label, slider, num);
      if (p.dependent) {
        const reset = document.createElement("button");
        reset.textContent = "↺";
        reset.title = `follow the default ${p.default}`;
        reset.id = `reset-${p.name}`;
        reset.addEventListener("click", () => {
          delete state.values[p.name];
          update();
        });
        row.append(reset);
      }
      row.append(note);
      box.append(row);
    });
    const xSel = el("x");
    const solveSel = el("solve");
    xSel.textContent = "";
    solveSel.textContent = "";
    b.params.forEach((p) => {
      xSel.append(new Option(`${p.label} (${p.name})`, p.name));
      solveSel.append(new Option(`${p.label} (${p.name})`, p.name));
    });
  }

  function syncControls(point) {
    const b = BOUNDS[state.id];
    b.params.forEach((p) => {
      const v = point.params[p.name];
      const slider = el(`slider-${p.name}`);
      const num = el(`num-${p.name}`);
      if (document.activeElement !== slider) slider.value = String(valueToSlider(p, v));
      if (document.activeElement !== num) num.value = shown(v);
      num.classList.toggle("following", p.dependent && !(p.name in state.values));
      slider.disabled = p.name === state.x;
      num.disabled = p.name === state.x;
    });
    el("x").value = state.x;
    el("solve").value = state.solve;
    el("from").value = shown(state.from);
    el("to").value = shown(state.to);
    el("xlog").checked = state.xlog;
    el("ylog").checked = state.ylog;
    el("target").value = state.target === null ? "" : shown(state.target);
  }

  // --- the curve ----------------------------------------------------------------------------------------
  function grid(p, from, to, log) {
    const xs = [];
    for (let k = 0; k < POINTS; k++) {
      const f = k / (POINTS - 1);
      let v = log ? Math.exp(Math.log(from) + f * (Math.log(to) - Math.log(from))) : from + f * (to - from);
      if (p.domain.integer) v = Math.round(v);
      if (!xs.length || v !== xs[xs.length - 1]) xs.push(v);
    }
    return xs;
  }

  // The curve along x: the other parameters validated once, then per point the x value's domain, the
  // expression defaults, the joint constraints and the kernel (the steps of validated/run, without objects).
  function computeCurve() {
    const b = BOUNDS[state.id];
    const code = KERNELS[b.id];
    const xi = b.params.findIndex((q) => q.name === state.x);
    const p = b.params[xi];
    const xs = grid(p, state.from, state.to, state.xlog && state.from > 0);
    const nT = b.terms.length;
    const terms = b.terms.map(() => new Array(xs.length).fill(null));
    const total = new Array(xs.length).fill(null);
    const trivial = new Array(xs.length).fill(null);
    const regimes = new Array(xs.length).fill(null);
    let diverges = null;
    let refused = null;
    const base = pointParams();
    const here = evaluate(state.id, base).params;
    let checked = null;
    try {
      checked = validated(b, Object.assign(base, { [state.x]: here ? here[state.x] : p.start }));
    } catch (e) {
      if (!(e instanceof ParameterError)) throw e;
    }
    const defaults = b.defaultOrder
      .filter((name) => checked && checked.defaulted.has(name))
      .map((name) => [b.params.findIndex((q) => q.name === name), code.defaults[name]]);
    const nOut = nT + 1 + (b.hasGrowth ? 1 : 0);
    for (let k = 0; k < xs.length && checked; k++) {
      const x = xs[k];
      const args = checked.args.slice();
      args[xi] = x;
      for (const [j] of defaults) args[j] = NaN;
      if (!inDomain(p.domain, x)) {
        refused = refused || `${p.name} must be ${p.domainText}; got ${fmtValue(x)}`;
        continue;
      }
      const c = code.constraints.findIndex((fn) => !fn(...args));
      if (c >= 0) {
        refused = refused || `${b.id}: ${b.constraints[c]}`;
        continue;
      }
      for (const [j, fn] of defaults) args[j] = fn(...args);
      const out = code.kernel(...args);
      let finite = true;
      for (let j = 0; j < nOut; j++) finite = finite && Number.isFinite(out[j]);
      if (b.hasGrowth) regimes[k] = regimeOf(out[nT + 1]);
      if (!finite) {
        if (diverges === null) diverges = x;
        continue;
      }
      for (let j = 0; j < nT; j++) terms[j][k] = out[j];
      total[k] = out[nT];
      if (b.hasTrivial) trivial[k] = out[out.length - 1];
    }
    const stacked = nT > 1 && terms.every((col) => col.every((v) => v === null || v >= 0));
    return { xs, terms, total, trivial, regimes, diverges, refused, stacked, nT };
  }

  function plotData(c) {
    const data = [c.xs];
    const positive = (v) => (state.ylog && v !== null && v <= 0 ? null : v);
    if (c.stacked) {
      const cum = c.xs.map(() => 0);
      c.terms.forEach((col) => {
        col.forEach((v, k) => (cum[k] = v === null || cum[k] === null ? null : cum[k] + v));
        data.push(cum.map(positive));
      });
    } else if (c.nT > 1) {
      c.terms.forEach((col) => data.push(col.map(positive)));
    }
    data.push(c.total.map(positive));
    if (BOUNDS[state.id].hasTrivial) data.push(c.trivial.map(positive));
    return data;
  }

  function drawRegimes(u) {
    if (!curve || !BOUNDS[state.id].hasGrowth) return;
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const xs = curve.xs;
    const edge = (k) => {
      if (k <= 0) return u.valToPos(xs[0], "x", true);
      if (k >= xs.length) return u.valToPos(xs[xs.length - 1], "x", true);
      const mid = state.xlog ? Math.sqrt(xs[k - 1] * xs[k]) : (xs[k - 1] + xs[k]) / 2;
      return u.valToPos(mid, "x", true);
    };
    ctx.save();
    let start = 0;
    for (let k = 1; k <= xs.length; k++) {
      if (k === xs.length || curve.regimes[k] !== curve.regimes[start]) {
        const regime = curve.regimes[start];
        if (regime && REGIME_COLOURS[regime]) {
          ctx.fillStyle = REGIME_COLOURS[regime];
          ctx.fillRect(edge(start), top, edge(k) - edge(start), height);
        }
        start = k;
      }
    }
    ctx.restore();
  }

  function drawTarget(u) {
    const { left, top, width, height } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    if (state.target !== null && Number.isFinite(state.target)) {
      const y = u.valToPos(state.target, "y", true);
      if (y >= top && y <= top + height) {
        ctx.strokeStyle = "#D55E00";
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + width, y);
        ctx.stroke();
      }
    }
    if (solution && solution.value !== null && state.solve === state.x) {
      const x = u.valToPos(solution.value, "x", true);
      if (x >= left && x <= left + width) {
        ctx.strokeStyle = "#000000";
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  // Axis labels: plain decimals from 1e-3 to 1e4, powers of ten beyond.
  function tick(v) {
    if (v === null || v === undefined) return "";
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(Number.isInteger(Math.log10(a)) ? 0 : 1).replace("e+", "e");
    return String(Number(v.toPrecision(6)));
  }

  function plotOptions(c) {
    const b = BOUNDS[state.id];
    const xp = b.params.find((p) => p.name === state.x);
    const series = [{ label: `${xp.label} (${xp.name})` }];
    if (c.nT > 1) {
      b.terms.forEach((t, k) => {
        const colour = TERM_COLOURS[k % TERM_COLOURS.length];
        const s = { label: c.stacked ? `${t.name} (stacked)` : t.name, stroke: colour, width: 1, points: { show: false } };
        if (c.stacked && k === 0) s.fill = colour + "55";
        series.push(s);
      });
    }
    series.push({ label: "bound", stroke: "#000000", width: 2.5, points: { show: false } });
    if (b.hasTrivial) series.push({ label: "trivial level", stroke: "#777777", width: 1, dash: [4, 4], points: { show: false } });
    const bands = [];
    if (c.stacked) for (let k = 2; k <= c.nT; k++) bands.push({ series: [k, k - 1], fill: TERM_COLOURS[(k - 1) % TERM_COLOURS.length] + "55" });
    const box = el("plot");
    return {
      width: Math.max(320, box.clientWidth),
      height: 420,
      series,
      bands,
      scales: {
        x: { time: false, distr: state.xlog && state.from > 0 ? 3 : 1, log: 10 },
        y: { distr: state.ylog ? 3 : 1, log: 10 },
      },
      axes: [
        { label: `${xp.label} (${xp.name})`, values: (u, splits) => splits.map(tick) },
        { label: b.kind === "identity" ? "value" : "bound", size: 70, values: (u, splits) => splits.map(tick) },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        drawClear: [drawRegimes],
        draw: [
          drawTarget,
          () => {
            if (redrawStart) timing.lastRedrawMs = performance.now() - redrawStart;
            redrawStart = 0;
            timing.redraws += 1;
          },
        ],
      },
    };
  }

  // --- the target: the smallest value of `solve` that meets it, by bisection ----------------------------
  let solution = null;
  function solveTarget() {
    if (state.target === null || !Number.isFinite(state.target)) return null;
    const b = BOUNDS[state.id];
    const p = b.params.find((q) => q.name === state.solve);
    const [lo, hi] = state.solve === state.x ? [state.from, state.to] : [p.lo, p.hi];
    const base = pointParams();
    const meets = (v) => {
      const r = evaluate(state.id, Object.assign({}, base, { [p.name]: v }));
      return r.error === null && r.value <= state.target;
    };
    const xs = grid(Object.assign({}, p), lo, hi, p.log && lo > 0).slice(0, 200 * 5);
    const step = Math.max(1, Math.floor(xs.length / 200));
    let prev = null;
    for (let k = 0; k < xs.length; k += step) {
      if (meets(xs[k])) {
        if (prev === null) return { value: xs[k], text: `already at the lower end ${shown(xs[k])}`, lo, hi };
        let a = prev;
        let c = xs[k];
        for (let it = 0; it < 200; it++) {
          if (p.domain.integer ? c - a <= 1 : c - a <= 1e-12 * Math.abs(c)) break;
          let mid = p.log && a > 0 ? Math.sqrt(a * c) : (a + c) / 2;
          if (p.domain.integer) mid = Math.floor(mid);
          if (mid <= a || mid >= c) break;
          if (meets(mid)) c = mid;
          else a = mid;
        }
        return { value: c, text: p.domain.integer ? shown(c) : shownUp(c), lo, hi };
      }
      prev = xs[k];
    }
    return { value: null, text: `none in [${shown(lo)}, ${shown(hi)}]`, lo, hi };
  }

  // --- URL ----------------------------------------------------------------------------------------------
  function toHash() {
    const q = new URLSearchParams();
    q.set("bound", state.id);
    q.set("x", state.x);
    q.set("from", String(state.from));
    q.set("to", String(state.to));
    if (state.xlog) q.set("xlog", "1");
    if (state.ylog) q.set("ylog", "1");
    if (state.target !== null) q.set("target", String(state.target));
    q.set("solve", state.solve);
    for (const [k, v] of Object.entries(state.values)) q.set(`p.${k}`, String(v));
    return "#" + q.toString();
  }

  function fromHash(hash) {
    const q = new URLSearchParams(hash.replace(/^#/, ""));
    const id = q.get("bound");
    if (!id || !BOUNDS[id]) return false;
    state = freshState(id);
    const b = BOUNDS[id];
    const names = b.params.map((p) => p.name);
    if (names.includes(q.get("x"))) state.x = q.get("x");
    if (names.includes(q.get("solve"))) state.solve = q.get("solve");
    const xp = b.params.find((p) => p.name === state.x);
    const num = (k, fallback) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : fallback);
    state.from = num("from", xp.lo);
    state.to = num("to", xp.hi);
    state.xlog = q.get("xlog") === "1";
    state.ylog = q.get("ylog") === "1";
    state.target = q.has("target") ? num("target", null) : null;
    for (const [k, v] of q.entries()) {
      if (k.startsWith("p.") && names.includes(k.slice(2))) {
        if (!trySet(k.slice(2), Number(v))) break;
      }
    }
    return true;
  }

  // --- drawing everything ------------------------------------------------------------------------------
  function describe() {
    const b = BOUNDS[state.id];
    el("title").textContent = b.title;
    el("bound-id").textContent = b.id;
    el("fidelity").textContent = `${b.fidelity}: ${b.fidelityLabel}`;
    el("citation").textContent = b.citation;
    const list = el("assumptions");
    list.textContent = "";
    b.assumptions.concat(b.notes).forEach((a) => {
      const li = document.createElement("li");
      li.textContent = a;
      list.append(li);
    });
    const terms = el("terms");
    terms.textContent = "";
    b.terms.forEach((t) => {
      const row = document.createElement("div");
      row.className = "term";
      const name = document.createElement("span");
      name.className = "term-name";
      name.textContent = t.name + " =";
      row.append(name);
      if (t.svg) row.insertAdjacentHTML("beforeend", t.svg);
      else {
        const code = document.createElement("code");
        code.textContent = t.latex;
        row.append(code);
      }
      terms.append(row);
    });
    const sum = document.createElement("div");
    sum.className = "term total";
    sum.textContent = (b.kind === "identity" ? "value = " : "bound = ") + b.terms.map((t) => t.name).join(" + ");
    terms.append(sum);
  }

  function update(rebuild) {
    if (!redrawStart) redrawStart = performance.now();
    const b = BOUNDS[state.id];
    const point = evaluate(state.id, pointParams());
    if (point.error && point.error !== "diverges") {
      showMessage(point.error);
      return;
    }
    syncControls(point);
    el("value").textContent = point.error === "diverges" ? "diverges" : shown(point.value);
    el("value").classList.toggle("diverges", point.error === "diverges");
    el("regime").textContent = b.hasGrowth ? `${point.regime} (ρ = ${shown(point.rho)})` : "no recursion";
    el("regime").className = "regime " + (b.hasGrowth ? point.regime : "");
    el("vacuous").textContent = point.vacuous ? "vacuous (at or above the trivial level)" : "";
    const t0 = performance.now();
    curve = computeCurve();
    timing.curveMs = performance.now() - t0;
    const warn = [];
    if (curve.diverges !== null) warn.push(`diverges from ${state.x} = ${shown(curve.diverges)} (float64 overflow)`);
    if (curve.refused) warn.push(`some points refused: ${curve.refused}`);
    el("curve-note").textContent = warn.join("; ");
    solution = solveTarget();
    el("solution").textContent = solution ? `smallest ${state.solve} with ${b.kind === "identity" ? "value" : "bound"} ≤ ${shown(state.target)}: ${solution.text}` : "";
    const key = [state.id, state.x, state.xlog, state.ylog, curve.stacked, curve.nT].join("|");
    const data = plotData(curve);
    if (!plot || key !== plotKey || rebuild) {
      if (plot) plot.destroy();
      el("plot").textContent = "";
      plot = new uPlot(plotOptions(curve), data, el("plot"));
      plotKey = key;
    } else {
      plot.setData(data);
    }
    history.replaceState(null, "", toHash());
  }

  function csv() {
    const b = BOUNDS[state.id];
    const head = [state.x].concat(b.terms.map((t) => t.name), [b.kind === "identity" ? "value" : "bound"]);
    if (b.hasGrowth) head.push("regime");
    const rows = [head.join(",")];
    curve.xs.forEach((x, k) => {
      const cells = [x].concat(
        curve.terms.map((col) => (col[k] === null ? "" : col[k])),
        [curve.total[k] === null ? "diverges" : curve.total[k]]
      );
      if (b.hasGrowth) cells.push(curve.regimes[k] || "");
      rows.push(cells.join(","));
    });
    return rows.join("\n") + "\n";
  }

  function exportCsv() {
    const blob = new Blob([csv()], { type: "text/csv" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${state.id}-vs-${state.x}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  function selectBound(id) {
    state = freshState(id);
    el("bound").value = id;
    describe();
    buildControls();
    showMessage("");
    update(true);
  }

  function numberInput(id, apply) {
    el(id).addEventListener("change", () => {
      const text = el(id).value.trim();
      const v = Number(text);
      if (!apply(text, v)) return;
      update(true);
    });
  }

  function init() {
    const select = el("bound");
    DATA.bounds.forEach((b) => select.append(new Option(`${b.id} — ${b.title}`, b.id)));
    select.addEventListener("change", () => selectBound(select.value));
    el("x").addEventListener("change", () => {
      const p = BOUNDS[state.id].params.find((q) => q.name === el("x").value);
      Object.assign(state, { x: p.name, from: p.lo, to: p.hi, xlog: p.log });
      update(true);
    });
    el("solve").addEventListener("change", () => {
      state.solve = el("solve").value;
      update();
    });
    const xDomain = () => BOUNDS[state.id].params.find((q) => q.name === state.x);
    const setEnd = (key) => (text, v) => {
      const p = xDomain();
      if (text === "" || Number.isNaN(v)) {
        showMessage(`${p.name}: not a number; got '${text}'`);
        return false;
      }
      try {
        validateValue(p.name, p.domain, p.domainText, v);
      } catch (e) {
        showMessage(e.message);
        return false;
      }
      const other = key === "from" ? state.to : state.from;
      if (v === other) {
        showMessage(`the x range needs two different ends; got ${p.name} from ${shown(v)} to ${shown(v)}`);
        return false;
      }
      state[key] = v;
      if (state.from > state.to) [state.from, state.to] = [state.to, state.from];
      showMessage("");
      return true;
    };
    numberInput("from", setEnd("from"));
    numberInput("to", setEnd("to"));
    numberInput("target", (text, v) => {
      if (text === "") state.target = null;
      else if (!Number.isFinite(v)) {
        showMessage(`target: not a number; got '${text}'`);
        return false;
      } else state.target = v;
      return true;
    });
    el("xlog").addEventListener("change", () => {
      if (el("xlog").checked && !(state.from > 0)) {
        showMessage(`a log x axis needs ${state.x} > 0; got from ${shown(state.from)}`);
        el("xlog").checked = false;
        return;
      }
      state.xlog = el("xlog").checked;
      update(true);
    });
    el("ylog").addEventListener("change", () => {
      state.ylog = el("ylog").checked;
      update(true);
    });
    el("export").addEventListener("click", exportCsv);
    window.addEventListener("resize", () => plot && plot.setSize({ width: Math.max(320, el("plot").clientWidth), height: 420 }));
    window.addEventListener("hashchange", () => {
      if (location.hash !== toHash() && fromHash(location.hash)) {
        el("bound").value = state.id;
        describe();
        buildControls();
        update(true);
      }
    });
    if (!fromHash(location.hash)) state = freshState(DATA.defaultId);
    el("bound").value = state.id;
    describe();
    buildControls();
    update(true);
  }

  window.stlBounds = {
    ids: () => DATA.bounds.map((b) => b.id),
    evaluate,
    evaluateMany: (id, list) => list.map((params) => evaluate(id, params)),
    special: S,
    state: () => JSON.parse(JSON.stringify(state)),
    curve: () => curve && { xs: curve.xs.slice(), total: curve.total.slice(), regimes: curve.regimes.slice() },
    csv: () => csv(),
    timing,
    fmtG,
  };
  init();
})();
