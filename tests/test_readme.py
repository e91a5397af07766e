"""The README's Python examples are executed (STYLE: the README example is itself a test)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out  # every example prints something a reader can compare


def test_readme_states_the_ci_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    command = 'python3 -m pytest -m "not slow"'
    assert command in README.read_text(encoding="utf-8")
    assert command in ci


COMMANDS = [
    line.split(" #")[0].strip()
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    for line in block.splitlines()
    if line.startswith("stl-bounds ")
    # minutes each, run end to end by tests/test_verify_*, tests/test_report.py, tests/test_figures_*.py
    and not line.startswith(("stl-bounds verify", "stl-bounds report", "stl-bounds figures"))
]


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_cli_example_runs(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    import shlex

    from stl_bounds.cli import main

    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out


def test_readme_bound_file_is_a_valid_bound_file(tmp_path: Path) -> None:
    """The bound file shown in the tour loads as it stands and gives the values of the example it shortens."""
    import stl_bounds

    (text,) = [
        b for b in re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S) if "[bound]" in b
    ]
    path = tmp_path / "readme.toml"
    path.write_text(text.replace('id = "example.contraction"', 'id = "readme.contraction"'), encoding="utf-8")
    stl_bounds.load_bounds(path)
    stl_bounds.load_bounds(README.parent / "examples" / "bounds" / "contraction.toml")
    shown, example = stl_bounds.get("readme.contraction"), stl_bounds.get("example.contraction")
    assert shown.evaluate(lam=0.3, L_map=1.2, i=7).value == example.evaluate(lam=0.3, L_map=1.2, i=7).value
