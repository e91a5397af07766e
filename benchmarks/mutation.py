"""Mutation testing of the core modules with mutmut, run on demand (issue 12; not part of CI).

Usage::

    python3 benchmarks/mutation.py                                   # every group, label "current"
    python3 benchmarks/mutation.py --modules special evaluation --label after
    python3 benchmarks/mutation.py --modules claims --sample 150 --seed 0
    python3 benchmarks/mutation.py --modules special --baseline-ref a381ec4 --label before
    python3 benchmarks/mutation.py --modules special --label after --recheck   # re-run survivors and timeouts
    python3 benchmarks/mutation.py --render                          # rewrite MUTATION.md from its own data

For each group of modules (``--modules``, see ``GROUPS``) the script snapshots the source tree (the
working tree, another checkout ``--tree``, or a ``git worktree`` of ``--baseline-ref``) into
``mutants/_runs/LABEL-GROUP/``, writes a ``[tool.mutmut]`` section that mutates only the group's files and
runs only the group's tests (``-m "not slow"``; test files that do not exist are skipped; sympy's cache is
emptied before each test, see ``PLUGIN_SOURCE``), and runs ``mutmut run --max-children 1`` under ``nice``.
mutmut 3 mutates code inside functions only (each function gets a trampoline); module-level code, such as the
registry's ``Bound(...)`` objects, is covered by the sympy-level mutation test ``tests/test_registry_mutations.py``
instead.

Every mutant's outcome is read from mutmut's ``mutants/*.meta`` files and summarised in
``benchmarks/MUTATION.md``: one block per (label, group) with its counts and every surviving mutant (function,
mutant name and the changed line).  Blocks of other runs and all text outside the generated region (the
hand-kept list of equivalent mutants below it) are preserved.  A survivor whose name is in that list is
counted as *equivalent* (except in runs labelled ``before``, which measure an older commit and keep their raw
score); the score is ``killed / (checked − equivalent)``, where *killed* includes timeouts
and *checked* counts every mutant that was run (``no tests`` and ``suspicious`` ones count as not killed).

``--sample N`` runs a seeded random sample of N mutants per group instead of all of them and reports the score
with a 95% Clopper–Pearson interval: an estimate of the full run, which takes hours on two cores.  Hypothesis
runs under the derandomized CI profile of ``tests/conftest.py`` (``CI=true``), so a rerun gives the same verdicts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "benchmarks" / "MUTATION.md"
RUNS = ROOT / "mutants" / "_runs"
COPIED = ("stl_bounds", "verification", "tests", "pyproject.toml")
PLUGIN = "_mutation_plugin"
PLUGIN_SOURCE = '''"""Written by benchmarks/mutation.py: empty sympy's cache before every test.

mutmut forks each mutant's test run from a process that has already imported the package (and built the
registry's expressions); without this, sympy would answer from results cached by the unmutated code.
"""

import sympy.core.cache


def pytest_runtest_setup(item):
    sympy.core.cache.clear_cache()
'''
PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", PLUGIN]
TIMEOUT_MULTIPLIER = 5.0  # tests get 2 × 5 × (their CPU time + timeout_constant) s; mutmut's default 15 wastes hours
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")  # one core's worth of work
NEW_TESTS = ("tests/test_mutation_kills.py",)


@dataclass(frozen=True)
class Group:
    """A group of modules mutated together, and the tests aimed at them.

    Attributes
    ----------
    files
        Globs of the source files to mutate, relative to the tree root.
    tests
        Globs of the test files to run (``-m "not slow"``); files that do not exist are skipped.
    functions
        ``fnmatch`` patterns on the (method) name of the mutated functions; ``*`` keeps all.
    timeout_constant
        Seconds added to mutmut's estimate of a mutant's test time before the timeout multiplier (mutmut's
        ``timeout_constant``).  The estimate counts only the tests' call phase: a group whose tests spend their time
        in module-scoped fixtures (claim checks computed once per module) needs the fixtures' time here, or every
        mutant times out and counts as killed.
    """

    files: tuple[str, ...]
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ("*",)
    timeout_constant: float = 1.0


JUDGE_FUNCTIONS = (
    "judge",
    "classify",
    "_*check",
    "_reduce",
    "_lambda0_growth",
    "_estimate",
    "_reference",
    "reference",
    "reference_gamma",
    "_gamma",
    "_pool",
    "_kappas",
    "_n_tests",
)
#: The judge side of the campaigns categorical_loops and kde_loops: judges, their references and helpers (not the
#: simulators' ``simulate``, ``validate``, ``tasks``, ``_late_slope``, ``_sim_args``).
LOOP_JUDGE_FUNCTIONS = (
    "judge",
    "classify",
    "_pool",
    "_count",
    "_label",
    "_diversity",
    "_diversity_id",
    "_fixation",
    "_shift",
    "_stability",
    "_grid_row",
    "_registry",
    "_threshold_check",
    "kimura_ohta",
    "spectral_radius",
)

GROUPS: dict[str, Group] = {
    "special": Group(
        ("stl_bounds/special.py",),
        ("tests/test_special.py", "tests/test_lemmas.py", "tests/test_gaussian_results.py", "tests/test_golden.py"),
    ),
    "evaluation": Group(
        ("stl_bounds/evaluation.py",),
        ("tests/test_evaluation.py", "tests/test_fu2025.py", "tests/test_grids.py", "tests/test_golden.py"),
    ),
    "domains": Group(("stl_bounds/domains.py",), ("tests/test_domains.py", "tests/test_evaluation.py")),
    "calibration": Group(("stl_bounds/calibration.py",), ("tests/test_calibration.py", "tests/test_safe_side*.py")),
    "claims": Group(
        ("stl_bounds/claims.py",),
        ("tests/test_claims.py", "tests/test_claims_negative*.py"),
        timeout_constant=30.0,  # ~20 s of module-scoped fixtures (check_all 8.5 s, the broken-claim checks)
    ),
    "stats": Group(
        ("verification/stats.py",),
        ("tests/test_verify_stats.py", "tests/test_batch_means.py", "tests/test_judges_negative*.py"),
    ),
    "judges": Group(
        ("verification/campaigns/*.py",),
        (
            "tests/test_judges_negative*.py",
            "tests/test_icl_loop_reference.py",
            "tests/test_amplified.py",
            "tests/test_verify_campaigns.py",
        ),
        JUDGE_FUNCTIONS,
        timeout_constant=10.0,  # the simulated tasks of test_judges_negative are module-scoped fixtures
    ),
    "c8": Group(
        ("stl_bounds/claims.py",),
        (
            "tests/test_claims.py",
            "tests/test_claims_negative*.py",
            "tests/test_categorical_results.py",
            "tests/test_kde_results.py",
        ),
        ("_c8_*", "_t_free"),
        timeout_constant=30.0,  # C8's tests: ~0.5 s of calls after ~14 s of fixtures (check_all, broken C8 checks)
    ),
    "loop_judges": Group(
        ("verification/campaigns/categorical_loops.py", "verification/campaigns/kde_loops.py"),
        (
            "tests/test_judges_negative*.py",
            "tests/test_sim_categorical.py",
            "tests/test_sim_kde.py",
            "tests/test_verify_campaigns.py",
        ),
        LOOP_JUDGE_FUNCTIONS,
        timeout_constant=10.0,  # the simulated tasks of test_judges_negative are module-scoped fixtures
    ),
}

STATUSES = ("killed", "timeout", "survived", "no tests", "suspicious", "other")
KILLED = ("killed", "timeout")
#: Runs with this label measure an older commit: the list of equivalent mutants describes today's code (mutant
#: names are numbered per function), so it is not applied to them and their score is the raw one.
BASELINE = "before"


# --- the source tree and its snapshot -------------------------------------------------------------------


@contextmanager
def source_tree(tree: Path | None, ref: str | None) -> Iterator[tuple[Path, str]]:
    """Yield the tree to measure and a description of it (a ``git worktree`` of ``ref``, removed afterwards)."""
    if ref is None:
        path = (tree or ROOT).resolve()
        yield path, _describe(path)
        return
    path = Path(tempfile.mkdtemp(prefix="mutation-baseline-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref], check=True)
    try:
        yield path, _describe(path)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=True)


def _describe(path: Path) -> str:
    """``commit`` or ``commit + working-tree changes`` of a checkout."""
    git = ["git", "-C", str(path)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "diff-index", "--quiet", "HEAD", "--"], capture_output=True).returncode != 0
    return f"{head or 'unknown commit'}{' + working-tree changes' if dirty else ''}"


def snapshot(tree: Path, dest: Path, group: Group) -> list[str]:
    """Copy the tree's packages, tests and pyproject to ``dest`` with the group's mutmut config; return its tests."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in COPIED:
        src = tree / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    tests = sorted({str(p.relative_to(dest)) for pat in (*group.tests, *NEW_TESTS) for p in dest.glob(pat)})
    (dest / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    config = {
        "source_paths": ["stl_bounds", "verification"],
        "also_copy": [f"{PLUGIN}.py"],
        "only_mutate": [str(p.relative_to(dest)) for pat in group.files for p in sorted(dest.glob(pat))],
        "pytest_add_cli_args": PYTEST_ARGS,
        "timeout_multiplier": TIMEOUT_MULTIPLIER,
        "timeout_constant": group.timeout_constant,
        # fork each mutant from a server that never ran a test: stl_bounds.evaluation keeps a thread pool, and a
        # child forked after the pool's threads started (mutmut's default "fork") waits for them forever
        "process_isolation": "forkserver",
        "pytest_add_cli_args_test_selection": [*tests, "-m", "not slow"],
    }
    pyproject = dest / "pyproject.toml"
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", pyproject.read_text(encoding="utf-8"))
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in config.items())
    pyproject.write_text(f"{text.rstrip()}\n\n[tool.mutmut]\n{lines}", encoding="utf-8")
    return tests


# --- mutmut -------------------------------------------------------------------------------------------


@contextmanager
def _inside(path: Path) -> Iterator[None]:
    """Run mutmut's library functions as if started in ``path`` (they read ./pyproject.toml and ./mutants)."""
    from mutmut.configuration import reset_config

    old = Path.cwd()
    os.chdir(path)
    reset_config()
    try:
        yield
    finally:
        os.chdir(old)
        reset_config()


def mutant_names(work: Path, group: Group) -> list[str]:
    """Names of the group's mutants in the snapshot ``work``, restricted to the group's functions."""
    from mutmut.configuration import config
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name, orig_function_and_class_names_from_key

    names = []
    with _inside(work):
        for rel in config().only_mutate:
            mutated = mutate_file_contents(rel, Path(rel).read_text(encoding="utf-8"))
            for short in mutated.mutant_names:
                name = get_mutant_name(Path(rel), short)
                function, _ = orig_function_and_class_names_from_key(name)
                if any(fnmatch.fnmatchcase(function, pat) for pat in group.functions):
                    names.append(name)
    return sorted(names)


def run_mutmut(work: Path, names: Sequence[str] | None) -> float:
    """``mutmut run --max-children 1`` in ``work`` (all mutants when ``names`` is None); return the wall time."""
    env = {**os.environ, "CI": "true", "MPLBACKEND": "Agg", **dict.fromkeys(BLAS_THREADS, "1")}
    env.pop("HYPOTHESIS_PROFILE", None)
    mutmut = shutil.which("mutmut") or "mutmut"
    command = ["nice", "-n", "10", mutmut, "run", "--max-children", "1", *(names or [])]
    start = time.perf_counter()
    with open(work / "mutmut.log", "w", encoding="utf-8") as log:
        code = subprocess.run(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    if code != 0:
        tail = (work / "mutmut.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"mutation: mutmut run failed in {work} (exit {code}); end of mutmut.log:\n{tail}")
    return time.perf_counter() - start


def status_of(exit_code: int | None) -> str:
    """The mutmut verdict of an exit code, folded into ``STATUSES``."""
    from mutmut.stats import status_by_exit_code

    status = status_by_exit_code[exit_code]
    if status == "caught by type check":
        return "killed"
    return status if status in STATUSES else "other"


def collect(work: Path, wanted: Sequence[str] | None) -> list[dict[str, Any]]:
    """One record per mutant that was run: name, function, status, duration and, for survivors, the change."""
    from mutmut.configuration import config
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    keep = set(wanted) if wanted is not None else None
    records = []
    with _inside(work):
        for rel in config().only_mutate:
            meta = json.loads((work / "mutants" / f"{rel}.meta").read_text(encoding="utf-8"))
            for name, code in sorted(meta["exit_code_by_key"].items()):
                if code is None or (keep is not None and name not in keep):
                    continue
                function, cls = orig_function_and_class_names_from_key(name)
                record = {
                    "name": name,
                    "file": rel,
                    "function": f"{cls}.{function}" if cls else function,
                    "status": status_of(code),
                }
                if record["status"] not in KILLED:
                    record["change"] = _change(get_diff_for_mutant(name, path=rel))
                records.append(record)
    return records


def _change(diff: str) -> str:
    """``old → new`` from a unified diff of one function (the first changed line of each side)."""
    minus = [line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    plus = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return f"{(minus or [''])[0][:110]} → {(plus or ['(removed)'])[0][:110]}"


# --- MUTATION.md ----------------------------------------------------------------------------------------

BEGIN, END = "<!-- mutation:generated:begin -->", "<!-- mutation:generated:end -->"
BLOCK = re.compile(r"<!-- run (?P<key>\S+) begin -->\n(?P<body>.*?)<!-- run (?P=key) end -->\n", re.S)
DATA = re.compile(r"<!-- data (?P<json>\{.*?\}) -->")
MODULE_HEADING = re.compile(r"^#{2,4} `(?P<path>[\w/]+)\.py`")
MUTANT = re.compile(r"`(?P<name>[^`\s]+__mutmut_\d+)`")

DEFAULT_HEAD = """# Mutation testing

On-demand mutation testing of the core modules with mutmut (not run in CI). How to run it, the module
groups and their tests, and how the score is counted: `python3 benchmarks/mutation.py --help`.

"""
DEFAULT_TAIL = """

## Equivalent mutants

Hand-kept; the script preserves this section.  Survivors that no test can kill because the observable behaviour
does not change, under a heading naming the module's file: `- \\`x_f__mutmut_3\\`, \\`x_f__mutmut_4\\` — why`.
"""


def _split(text: str) -> tuple[str, str, str]:
    """Head (hand-kept), generated region, tail (hand-kept) of MUTATION.md."""
    if BEGIN not in text or END not in text:
        return text or DEFAULT_HEAD, "", "" if text else DEFAULT_TAIL
    head, rest = text.split(BEGIN, 1)
    region, tail = rest.split(END, 1)
    return head, region, tail


def equivalent_names(text: str) -> set[str]:
    """Mutant names listed in the hand-kept parts of MUTATION.md.

    A list item (``- ...``) names mutants in backquotes, qualified (``stl_bounds.special.x_f__mutmut_3``) or
    short (``x_f__mutmut_3``) under a heading that names the module's file (``### `stl_bounds/special.py```).
    """
    head, _, tail = _split(text)
    module, item = "", False
    names = set()
    for line in (head + tail).splitlines():
        heading = MODULE_HEADING.match(line)
        if heading:
            module = heading["path"].replace("/", ".") + "."
        item = line.startswith("- ") or (item and line.startswith("  "))  # an item and its continuation lines
        if item:
            names |= {n if "." in n else module + n for n in (m["name"] for m in MUTANT.finditer(line))}
    return names


def summarize(records: Sequence[dict[str, Any]], equivalent: set[str]) -> dict[str, Any]:
    """Counts per status, the score (killed incl. timeouts over checked minus equivalent) and its 95% interval."""
    counts = {s: sum(r["status"] == s for r in records) for s in STATUSES}
    counts["equivalent"] = sum(r["status"] == "survived" and r["name"] in equivalent for r in records)
    counts["survived"] -= counts["equivalent"]
    killed = counts["killed"] + counts["timeout"]
    checked = len(records) - counts["equivalent"]
    low, high = _clopper_pearson(killed, checked)
    return {
        **counts,
        "checked": len(records),
        "score": killed / checked if checked else float("nan"),
        "ci": [low, high],
    }


def _clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact binomial interval for k successes in n trials: Beta(α/2; k, n−k+1) to Beta(1−α/2; k+1, n−k)."""
    if n == 0:
        return float("nan"), float("nan")
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def render_block(key: str, meta: dict[str, Any], records: Sequence[dict[str, Any]], equivalent: set[str]) -> str:
    """The markdown block of one run: its data comment, settings and survivors."""
    data = {**meta, **summarize(records, equivalent)}
    data["seconds_per_mutant"] = meta["wall_seconds"] / len(records) if records else float("nan")
    lines = [
        f"<!-- run {key} begin -->",
        f"### {meta['label']} · {meta['group']}",
        f"<!-- data {json.dumps(data, sort_keys=True)} -->",
        "",
        f"{meta['date']}, tree {meta['tree']}; files {', '.join(f'`{f}`' for f in meta['files'])}; "
        f"tests {', '.join(f'`{t}`' for t in meta['tests'])} (`-m 'not slow'`); "
        + (f"a seeded sample of {meta['sample']} mutants (seed {meta['seed']}); " if meta["sample"] else "")
        + f"{len(records)} mutants run in {meta['wall_seconds'] / 60:.1f} min."
        + (
            f" Survivors and timeouts re-run on {meta['rechecked']['date']} with the tests above "
            f"({meta['rechecked']['mutants']} mutants, {meta['rechecked']['wall_seconds'] / 60:.1f} min)."
            if meta.get("rechecked")
            else ""
        ),
        "",
    ]
    survivors = [r for r in records if r["status"] not in KILLED]
    if survivors:
        lines += [
            f"<details><summary>{len(survivors)} mutants not killed</summary>",
            "",
            "| status | function | mutant | change |",
            "|---|---|---|---|",
        ]
        for r in survivors:
            status = "equivalent" if r["status"] == "survived" and r["name"] in equivalent else r["status"]
            change = r["change"].replace("|", "\\|").replace("`", "'")
            lines.append(f"| {status} | `{r['function']}` | `{r['name'].rsplit('.', 1)[-1]}` | `{change}` |")
        lines += ["", "</details>"]
    else:
        lines.append("No surviving mutants.")
    lines += ["", f"<!-- run {key} end -->", ""]
    return "\n".join(lines)


def render_summary(blocks: dict[str, str]) -> str:
    """The score table over every run block."""
    rows = [
        "## Scores",
        "",
        "Score = killed (incl. timeouts) / (mutants run − equivalent), with its 95% Clopper–Pearson interval "
        "(an estimate when a sample was run).",
        "",
        "| run | group | mutants run | killed | timeout | survived | equivalent | no tests | suspicious | score "
        "| 95% interval | s / mutant | wall (min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for body in blocks.values():
        d = json.loads(DATA.search(body)["json"])
        sample = f" (sample of {d['sample']})" if d["sample"] else ""
        rows.append(
            f"| {d['label']} | {d['group']}{sample} | {d['checked']} | {d['killed']} | {d['timeout']} | "
            f"{d['survived']} | {d['equivalent']} | {d['no tests']} | {d['suspicious'] + d['other']} | "
            f"{100 * d['score']:.1f}% | {100 * d['ci'][0]:.1f}–{100 * d['ci'][1]:.1f}% | "
            f"{d['seconds_per_mutant']:.1f} | {d['wall_seconds'] / 60:.1f} |"
        )
    return "\n".join(rows) + "\n"


def write_report(new_blocks: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Merge new run blocks into MUTATION.md, re-mark equivalents in every block, keep the hand-kept text."""
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    head, region, tail = _split(text)
    equivalent = equivalent_names(text)
    blocks = {m["key"]: m.group(0) for m in BLOCK.finditer(region)}
    for key, (meta, records) in new_blocks.items():
        (RUNS / key).mkdir(parents=True, exist_ok=True)
        (RUNS / key / "records.json").write_text(json.dumps({"meta": meta, "records": records}), encoding="utf-8")
    for key in blocks.keys() | new_blocks.keys():
        stored = RUNS / key / "records.json"
        if stored.exists():  # re-render from the full records (re-marks equivalents); else keep the block as is
            saved = json.loads(stored.read_text(encoding="utf-8"))
            marked = set() if saved["meta"]["label"] == BASELINE else equivalent
            blocks[key] = render_block(key, saved["meta"], saved["records"], marked)
    ordered = dict(sorted(blocks.items(), key=lambda kv: _order(kv[0])))
    region = "\n" + render_summary(ordered) + "\n" + "".join(ordered.values())
    REPORT.write_text(f"{head}{BEGIN}\n{region}{END}{tail}", encoding="utf-8")


def _order(key: str) -> tuple[bool, str, int]:
    label, _, group = key.partition("-")
    return label != "before", label, list(GROUPS).index(group) if group in GROUPS else len(GROUPS)


# --- command line ---------------------------------------------------------------------------------------


def measure(name: str, tree: Path, described: str, args: argparse.Namespace) -> tuple[dict[str, Any], list]:
    """Snapshot, run mutmut on one group (or, with ``--recheck``, on its stored survivors and timeouts); collect."""
    group = GROUPS[name]
    key = f"{args.label}-{name}"
    work = RUNS / key
    stored = work / "records.json"
    previous = json.loads(stored.read_text(encoding="utf-8")) if args.recheck and stored.exists() else None
    if args.recheck and previous is None:
        raise SystemExit(f"mutation: --recheck: no stored run {key} ({stored} is missing)")
    tests = snapshot(tree, work, group)
    if previous is not None:  # the snapshot emptied the run's folder: keep its records if this recheck is stopped
        stored.write_text(json.dumps(previous), encoding="utf-8")
    names = mutant_names(work, group)
    if previous is not None:
        selected = sorted(set(names) & {r["name"] for r in previous["records"] if r["status"] != "killed"})
    elif args.sample and args.sample < len(names):
        selected = sorted(random.Random(f"{args.seed}-{name}").sample(names, args.sample))
    else:
        selected = names
    print(f"mutation: {name}: {len(selected)} of {len(names)} mutants, tests {' '.join(tests)}", file=sys.stderr)
    wall = run_mutmut(work, selected) if selected else 0.0
    records = collect(work, selected)
    if previous is not None:
        return _merge_recheck(previous, records, tests, wall)
    meta = {
        "label": args.label,
        "group": name,
        "tree": described,
        "date": dt.date.today().isoformat(),
        "files": [str(p) for pat in group.files for p in sorted(p.relative_to(tree) for p in tree.glob(pat))],
        "functions": list(group.functions),
        "tests": tests,
        "sample": args.sample if args.sample and args.sample < len(names) else 0,
        "seed": args.seed,
        "population": len(names),
        "wall_seconds": wall,
    }
    return meta, records


def _merge_recheck(
    previous: dict[str, Any], fresh: list[dict[str, Any]], tests: list[str], wall: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The stored run with its re-run survivors replaced by their new verdicts.

    A survivor whose change differs now (or that no longer exists) belongs to a function edited since the run:
    it is reported on stderr, and the group should be run again in full.
    """
    by_name = {r["name"]: r for r in fresh}
    for old in previous["records"]:
        new = by_name.get(old["name"])
        if old["status"] not in KILLED and (new is None or new.get("change", old["change"]) != old["change"]):
            print(f"mutation: {old['name']} changed since the run; run the group again", file=sys.stderr)
    records = [by_name.get(r["name"], r) for r in previous["records"]]
    meta = {
        **previous["meta"],
        "tests": tests,
        "rechecked": {"date": dt.date.today().isoformat(), "mutants": len(fresh), "wall_seconds": wall},
    }
    return meta, records


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", choices=list(GROUPS), default=list(GROUPS), help="groups to run")
    parser.add_argument("--label", default="current", help="name of this run in MUTATION.md (e.g. before, after)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tree", type=Path, help="measure this checkout instead of the working tree")
    where.add_argument("--baseline-ref", help="measure a git worktree of this commit (removed afterwards)")
    parser.add_argument("--sample", type=int, default=0, help="run a seeded sample of this many mutants per group")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample")
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="re-run only the survivors and timeouts of the stored LABEL run with today's tests and time limits",
    )
    parser.add_argument("--render", action="store_true", help="only rewrite MUTATION.md from the stored runs")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9_.]+", args.label):
        parser.error(f"--label: letters, digits, '_' or '.' only; got {args.label!r}")
    if args.sample < 0:
        parser.error(f"--sample: a number of mutants >= 0; got {args.sample}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        write_report({})
        return 0
    with source_tree(args.tree, args.baseline_ref) as (tree, described):
        for name in args.modules:
            meta, records = measure(name, tree, described, args)
            write_report({f"{args.label}-{name}": (meta, records)})
            equivalent = set() if args.label == BASELINE else equivalent_names(REPORT.read_text(encoding="utf-8"))
            d = summarize(records, equivalent)
            print(
                f"mutation: {args.label} {name}: {d['killed'] + d['timeout']}/{d['checked'] - d['equivalent']} "
                f"killed ({100 * d['score']:.1f}%), {d['survived']} survived, {d['no tests']} without tests, "
                f"{meta['wall_seconds'] / 60:.1f} min",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
