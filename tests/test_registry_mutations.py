"""Symbolic mutation test of the registry: the golden values (tests/golden.py) kill every mutant.

For every registered id, each term's sympy expression and each expression-valued default (``beta = 1/n``,
``shift`` from L4, ...) is mutated one edit at a time:

* a number c (Integer, Rational, Float, π) becomes c + 1 and 2c;
* a term of a sum changes sign, or is dropped;
* a factor of a product is dropped;
* an exponent e becomes e + 1.

Each mutant is evaluated at the id's golden points (sympy ``evalf`` at 30 digits, the special functions
through their mpmath forms) and is *killed* when some term or the value differs from the golden value
by more than 1e-9 relative.  A mutant that no golden value kills is evaluated at 20 seeded random valid
points: if it agrees there too it is listed as *equivalent* (e.g. a change inside a factor that is zero
at every point, or a clipped branch that stays clipped); otherwise it is a *survivor*, and the test
fails naming it: the golden points must then be extended until it is killed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np
import pytest
import sympy as sp
from golden import GOLDEN, expected_terms

import stl_bounds
from stl_bounds.bound import Bound
from stl_bounds.errors import ParameterError
from stl_bounds.testing import MODERATE

#: Relative difference from the golden value that kills a mutant.
KILL_RTOL = 1e-9
#: Digits of the sympy evaluation of mutants.
EVAL_DPS = 30
#: Random valid points on which an unkilled mutant must also agree to count as equivalent.
RANDOM_POINTS = 20


@dataclass(frozen=True)
class Mutant:
    """One edit of one expression of a bound.

    Attributes
    ----------
    site
        ``term NAME`` or ``default NAME``: the expression that was edited.
    edit
        What was changed, e.g. ``4 -> 4 + 1`` or ``drop factor Min(1, i) of ...``.
    expr
        The edited expression.
    """

    site: str
    edit: str
    expr: sp.Expr


def _short(e: sp.Basic, width: int = 60) -> str:
    text = sp.sstr(e)
    return text if len(text) <= width else text[: width - 3] + "..."


def _local_edits(e: sp.Basic) -> Iterator[tuple[str, sp.Basic]]:
    """The one-step edits of the node ``e`` itself (not of its arguments)."""
    if e.is_Number or e in (sp.pi, sp.E):
        yield f"{e} -> {e} + 1", e + 1
        if e != 0:
            yield f"{e} -> 2*{e}", 2 * e
    if isinstance(e, sp.Add):
        for j, term in enumerate(e.args):
            rest = e.args[:j] + e.args[j + 1 :]
            yield f"sign of {_short(term)} in {_short(e)}", sp.Add(*rest, -term)
            yield f"drop {_short(term)} from {_short(e)}", sp.Add(*rest)
    if isinstance(e, sp.Mul):
        for j, factor in enumerate(e.args):
            yield f"drop factor {_short(factor)} of {_short(e)}", sp.Mul(*(e.args[:j] + e.args[j + 1 :]))
    if isinstance(e, sp.Pow):
        yield f"exponent of {_short(e)} + 1", sp.Pow(e.base, e.exp + 1)


Path = tuple[int, ...]


def edits(e: sp.Basic, path: Path = ()) -> Iterator[tuple[Path, str, sp.Basic]]:
    """Every one-step edit in the tree ``e``: ``(path to the edited node, edit, new node)``, root first."""
    for edit, node in _local_edits(e):
        yield path, edit, node
    for j, arg in enumerate(e.args):
        yield from edits(arg, (*path, j))


def rebuild(e: sp.Basic, path: Path, node: sp.Basic) -> sp.Basic:
    """``e`` with the subtree at ``path`` replaced by ``node`` (each ancestor rebuilt, and re-evaluated, by sympy)."""
    if not path:
        return node
    j = path[0]
    return e.func(*(e.args[:j] + (rebuild(e.args[j], path[1:], node),) + e.args[j + 1 :]))


def _sites(bound: Bound) -> list[tuple[str, sp.Expr]]:
    sites = [(f"term {name}", expr) for name, expr in bound.terms]
    return sites + [(f"default {p.name}", p.default) for p in bound.parameters if p.default.free_symbols]


@cache
def mutants_of(bound_id: str, limit: int | None = None) -> tuple[Mutant, ...]:
    """Distinct mutants of the terms and expression defaults of ``bound_id``, no-op edits removed.

    With ``limit``, only ``limit`` edits evenly spaced in tree order are built (a deterministic sample).
    """
    bound = stl_bounds.get(bound_id)
    every = [(site, expr, path, edit, node) for site, expr in _sites(bound) for path, edit, node in edits(expr)]
    if limit is not None and len(every) > limit:
        every = [every[j] for j in sorted(set(np.linspace(0, len(every) - 1, limit).round().astype(int)))]
    out: dict[tuple[str, sp.Basic], Mutant] = {}
    for site, expr, path, edit, node in every:
        new = rebuild(expr, path, node)
        if new != expr and (site, new) not in out:
            out[site, new] = Mutant(site, edit, new)
    return tuple(out.values())


def _evaluate(bound: Bound, point: Mapping[str, float], mutant: Mutant | None) -> dict[str, mpmath.mpf] | None:
    """Terms of ``bound`` (with ``mutant`` applied) at ``point``; None where a term is not a finite real."""
    subs: dict[sp.Symbol, sp.Expr] = {}
    symbolic: dict[sp.Symbol, sp.Expr] = {}
    for p in bound.parameters:
        if p.name in point:
            subs[p.symbol] = sp.Float(point[p.name], EVAL_DPS + 20)
        elif p.default.free_symbols:
            replaced = mutant is not None and mutant.site == f"default {p.name}"
            symbolic[p.symbol] = mutant.expr if replaced else p.default
        else:
            subs[p.symbol] = sp.Float(float(p.default), EVAL_DPS + 20)
    for _ in range(len(symbolic) + 1):  # defaults may refer to each other (e.g. through beta = 1/n)
        symbolic = {symbol: expr.xreplace(subs).xreplace(symbolic) for symbol, expr in symbolic.items()}
    subs.update(symbolic)
    out = {}
    for name, expr in bound.terms:
        if mutant is not None and mutant.site == f"term {name}":
            expr = mutant.expr
        try:
            value = sp.sympify(expr.xreplace(subs)).evalf(EVAL_DPS)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError):
            return None
        if not (value.is_Number and value.is_finite and value.is_real):
            return None
        out[name] = mpmath.mpf(value._to_mpmath(4 * EVAL_DPS))
    return out


def _differs(got: Mapping[str, mpmath.mpf] | None, want: Mapping[str, mpmath.mpf]) -> bool:
    if got is None:
        return True
    with mpmath.workdps(EVAL_DPS):
        pairs = [(got[k], want[k]) for k in want] + [(mpmath.fsum(got.values()), mpmath.fsum(want.values()))]
        return any(abs(g - w) > KILL_RTOL * abs(w) + mpmath.mpf(10) ** -EVAL_DPS for g, w in pairs)


def random_points(bound: Bound, count: int, seed: int = 12) -> list[dict[str, float]]:
    """``count`` seeded valid points: each parameter drawn in its domain within the ``stl_bounds.testing.MODERATE``
    box (log-uniform over wide positive ranges; those with an expression default, e.g. ``shift``, given half
    of the time), λ on the lattice j/n half of the time; draws that violate a joint constraint are redrawn."""
    rng = np.random.default_rng(seed)
    names = [p.name for p in bound.parameters if not p.default.free_symbols]
    overrides = [p.name for p in bound.parameters if p.default.free_symbols]
    points: list[dict[str, float]] = []
    for _ in range(200 * count):
        if len(points) == count:
            break
        point = {}
        for name in names + [o for o in overrides if rng.random() < 0.5]:
            domain = bound.parameter_map[name].domain
            lo, hi = MODERATE.get(name, (domain.lower, min(domain.upper, 1e3)))
            lo, hi = max(lo, domain.lower), min(hi, domain.upper)
            if domain.integer:
                x = float(math.floor(math.exp(rng.uniform(math.log(lo + 1), math.log(hi + 2)))) - 1)  # lo..hi
                x = min(max(x, math.ceil(lo)), math.floor(hi))
            elif lo > 0 and hi / lo > 100:
                x = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
            else:
                x = float(rng.uniform(lo, hi))
            point[name] = x
        if "lam" in point and "n" in point and rng.random() < 0.5:
            point["lam"] = float(rng.integers(0, int(point["n"]) + 1)) / point["n"]
        try:
            bound.check(**point)
        except ParameterError:
            continue
        points.append(point)
    assert len(points) == count, f"{bound.id}: only {len(points)} valid random points"
    return points


@dataclass(frozen=True)
class Score:
    """Outcome of the mutation run of one id."""

    total: int
    killed: int
    equivalent: tuple[Mutant, ...]
    survivors: tuple[Mutant, ...]


@cache
def score(bound_id: str, limit: int | None = None) -> Score:
    """Kill the mutants of ``bound_id`` (all, or the sample of ``limit``) with its golden values."""
    bound = stl_bounds.get(bound_id)
    points = GOLDEN[bound_id][1]
    golden = [expected_terms(bound_id, pt) for pt in points]
    mutants = mutants_of(bound_id, limit)
    killed, unkilled = 0, []
    for mutant in mutants:
        if any(_differs(_evaluate(bound, pt, mutant), want) for pt, want in zip(points, golden)):
            killed += 1
        else:
            unkilled.append(mutant)
    equivalent, survivors = [], []
    if unkilled:
        extra = random_points(bound, RANDOM_POINTS)
        originals = [_evaluate(bound, pt, None) for pt in extra]
        for mutant in unkilled:
            same = all(
                orig is not None and not _differs(_evaluate(bound, pt, mutant), orig)
                for pt, orig in zip(extra, originals)
            )
            (equivalent if same else survivors).append(mutant)
    return Score(len(mutants), killed, tuple(equivalent), tuple(survivors))


IDS = sorted(GOLDEN)
#: Mutants per id in the default run (evenly spaced in tree order); the slow run builds them all.
SAMPLE = 20

#: Mutants that no evaluation can tell apart from the registry, with the reason (id, site, edit prefix).
EQUIVALENT = {
    ("fu2025.thm2", "term shift", "drop factor Min(1, i)"): "Δ_{i−1} = ε geom(ρ, i) is 0 at i = 0 already",
    ("fu2025.thm2", "term recursive_stability", "drop factor Min(1, i)"): "γ_n^{i−1} = (K/n) geom(ρ, i) is 0 at i = 0",
}


#: Ids whose every expression is a bare parameter: no one-step edit exists, so they have no mutants (with the reason).
NO_MUTANTS = {"cat.replace.fixation": "the fixation probability is the parameter p0k itself (docs/theory.md §5.7)"}


def _explained(bound_id: str, mutant: Mutant) -> bool:
    return any(i == bound_id and site == mutant.site and mutant.edit.startswith(e) for i, site, e in EQUIVALENT)


def _check(bound_id: str, limit: int | None) -> Score:
    result = score(bound_id, limit)
    assert (result.total > 0) != (bound_id in NO_MUTANTS), f"{bound_id}: {result.total} mutants"
    lines = [f"{m.site}: {m.edit}" for m in result.survivors]
    assert not lines, f"{bound_id}: {len(lines)} mutants survive the golden values:\n" + "\n".join(lines)
    unexplained = [f"{m.site}: {m.edit}" for m in result.equivalent if not _explained(bound_id, m)]
    assert not unexplained, f"{bound_id}: mutants equivalent at every point, not in EQUIVALENT:\n" + "\n".join(
        unexplained
    )
    return result


@pytest.mark.parametrize("bound_id", IDS)
def test_unmutated_registry_matches_the_golden_values(bound_id: str) -> None:
    """The harness itself: the registry's own expressions, evaluated here by sympy, give the golden values."""
    bound = stl_bounds.get(bound_id)
    for point in GOLDEN[bound_id][1]:
        assert not _differs(_evaluate(bound, point, None), expected_terms(bound_id, point)), point


@pytest.mark.parametrize("bound_id", IDS)
def test_golden_values_kill_sampled_mutants(bound_id: str) -> None:
    _check(bound_id, SAMPLE)


@pytest.mark.slow
def test_golden_values_kill_every_mutant() -> None:
    """Every mutant of every id (about 2,200; a minute on 2 cores), with the kill score printed."""
    scores = {i: _check(i, None) for i in IDS}
    total = sum(s.total for s in scores.values())
    killed = sum(s.killed for s in scores.values())
    equivalent = [(i, m) for i, s in scores.items() for m in s.equivalent]
    print(f"\nregistry mutants: {killed}/{total} killed, {len(equivalent)} equivalent")
    for bound_id, m in equivalent:
        print(f"  equivalent: {bound_id} {m.site}: {m.edit}")
    assert killed + len(equivalent) == total
    assert {(i, m.site) for i, m in equivalent} == {(i, site) for i, site, _ in EQUIVALENT}


def test_a_changed_constant_is_killed() -> None:
    """Negative control: the constant 4 of Bousquet & Elisseeff's (4nβ + M) changed to 5 is caught."""
    bound = stl_bounds.get("bousquet2002.stability")
    mutant = next(m for m in mutants_of(bound.id) if m.edit.startswith("4 -> 4 + 1"))
    point = GOLDEN[bound.id][1][0]
    assert _differs(_evaluate(bound, point, mutant), expected_terms(bound.id, point))


def test_a_mutant_the_golden_points_miss_is_a_survivor() -> None:
    """Negative control: at a point with c = 1 the mutant c -> c² of bkz2020 agrees with the golden value, but
    not at the random points, so a golden table without a point moving c would report it as a survivor."""
    bound = stl_bounds.get("bkz2020.stability")
    c = bound.parameter_map["c"].symbol
    name, expr = bound.terms[1]
    mutant = Mutant(f"term {name}", "c -> c**2", expr.xreplace({c: c**2}))
    at_c_one = {**GOLDEN[bound.id][1][2], "c": 1.0}
    assert not _differs(_evaluate(bound, at_c_one, mutant), expected_terms(bound.id, at_c_one))
    extra = random_points(bound, RANDOM_POINTS)
    assert any(_differs(_evaluate(bound, pt, mutant), _evaluate(bound, pt, None)) for pt in extra)
