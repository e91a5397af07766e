"""benchmarks/mutation.py without running mutmut: the equivalent-mutant list, the score and MUTATION.md's merge."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "mutation.py"


@pytest.fixture(scope="module")
def mutation() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_script"] = module
    spec.loader.exec_module(module)
    return module


HAND_KEPT = """# Mutation testing

intro kept by hand; `x_ignored__mutmut_1` is not in a list item.

<!-- mutation:generated:begin -->
- `x_inside__mutmut_1` is generated text, never read as equivalent
<!-- mutation:generated:end -->

## Equivalent mutants

### `stl_bounds/special.py`

- `x_f__mutmut_3`, `xǁCǁm__mutmut_4` — one reason
  that continues with `x_f__mutmut_5` on the next line.
- `verification.stats.x_g__mutmut_1` — a qualified name.

plain paragraph naming `x_f__mutmut_9`, outside any item.
"""


def test_equivalent_names_qualifies_short_names_by_the_module_heading(mutation: ModuleType) -> None:
    assert mutation.equivalent_names(HAND_KEPT) == {
        "stl_bounds.special.x_f__mutmut_3",
        "stl_bounds.special.xǁCǁm__mutmut_4",
        "stl_bounds.special.x_f__mutmut_5",
        "verification.stats.x_g__mutmut_1",
    }


def _record(name: str, status: str) -> dict:
    return {"name": name, "file": "stl_bounds/special.py", "function": "f", "status": status, "change": "a → b"}


def test_summarize_counts_equivalents_out_of_the_denominator(mutation: ModuleType) -> None:
    records = [
        *(_record(f"m.x_f__mutmut_{i}", "killed") for i in range(7)),
        _record("m.x_f__mutmut_7", "timeout"),
        _record("m.x_f__mutmut_8", "survived"),
        _record("m.x_f__mutmut_9", "survived"),
        _record("m.x_f__mutmut_10", "no tests"),
    ]
    d = mutation.summarize(records, {"m.x_f__mutmut_9"})
    assert (d["killed"], d["timeout"], d["survived"], d["equivalent"], d["no tests"]) == (7, 1, 1, 1, 1)
    assert d["score"] == pytest.approx(8 / 10)
    low, high = d["ci"]
    assert low < 0.8 < high and (low, high) == pytest.approx((0.4439045376923585, 0.9747892736731441))


def test_clopper_pearson_ends(mutation: ModuleType) -> None:
    assert mutation._clopper_pearson(10, 10)[1] == 1.0
    assert mutation._clopper_pearson(0, 10)[0] == 0.0
    assert mutation._clopper_pearson(10, 10)[0] == pytest.approx(0.025 ** (1 / 10))  # (α/2)^(1/n)


def test_change_takes_the_first_changed_line_of_each_side(mutation: ModuleType) -> None:
    diff = "--- a.py\n+++ a.py\n@@ -1,2 +1,2 @@\n def f():\n-    return x < 1\n+    return x <= 1\n"
    assert mutation._change(diff) == "return x < 1 → return x <= 1"


def test_write_report_keeps_the_hand_kept_text_and_marks_equivalents(
    mutation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, runs = tmp_path / "MUTATION.md", tmp_path / "runs"
    report.write_text(HAND_KEPT, encoding="utf-8")
    monkeypatch.setattr(mutation, "REPORT", report)
    monkeypatch.setattr(mutation, "RUNS", runs)
    meta = {
        "label": "after",
        "group": "special",
        "tree": "abc",
        "date": "2026-01-01",
        "files": ["stl_bounds/special.py"],
        "functions": ["*"],
        "tests": ["tests/test_special.py"],
        "sample": 0,
        "seed": 0,
        "population": 3,
        "wall_seconds": 30.0,
    }
    records = [
        _record("stl_bounds.special.x_f__mutmut_3", "survived"),
        _record("stl_bounds.special.x_f__mutmut_4", "survived"),
        _record("stl_bounds.special.x_f__mutmut_6", "killed"),
    ]
    mutation.write_report({"after-special": (meta, records)})
    mutation.write_report({"before-special": ({**meta, "label": "before"}, records)})
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Mutation testing\n\nintro kept by hand")
    assert text.endswith("plain paragraph naming `x_f__mutmut_9`, outside any item.\n")
    assert "x_inside__mutmut_1" not in text  # the generated region is rewritten
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| after |")}
    rows |= {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| before |")}
    # after: one equivalent, one survivor, one kill -> 1/2; before keeps the raw score 1/3
    assert "| 1 | 1 | 0 | 0 | 50.0% |" in rows["| after"]
    assert "| 2 | 0 | 0 | 0 | 33.3% |" in rows["| before"]
    assert "| equivalent | `f` | `x_f__mutmut_3` |" in text and "| survived | `f` | `x_f__mutmut_4` |" in text
    stored = json.loads((runs / "after-special" / "records.json").read_text(encoding="utf-8"))
    assert stored["records"] == records


def test_every_group_names_existing_files_tests_and_functions(mutation: ModuleType) -> None:
    """A renamed module, test file or function would silently shrink a group: every glob and pattern must match."""
    import ast
    import fnmatch

    root = SCRIPT.parents[1]
    assert {"c8", "loop_judges"} <= set(mutation.GROUPS)
    for name, group in mutation.GROUPS.items():
        files = [p for pat in group.files for p in root.glob(pat)]
        assert files and all(any(root.glob(pat)) for pat in group.files), (name, group.files)
        assert all(any(root.glob(pat)) for pat in group.tests), (name, group.tests)
        defined = {
            node.name
            for path in files
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef)
        }
        missing = [pat for pat in group.functions if not fnmatch.filter(defined, pat)]
        assert not missing, (name, missing)
