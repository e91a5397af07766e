"""A hurried user's mistakes get exit 2 and one helpful line (issue 12 §3), and the CLI stays quiet otherwise.

Each mistake is typed as a user would, through ``main(argv)``: the message names the
parameter, the form to use and the value typed, and never reads the value as something
else (a thousands separator as a list, a long step as one point).  Also here: library
warnings as one line (or none), install hints as the README installs, the default
output folder of ``figures``, and a dask run that shuts down without log lines.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import subprocess
import sys
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from stl_bounds.cli import COMMANDS, Command, main
from stl_bounds.extras import DISTRIBUTED_INSTALL, TORCH_INSTALL
from stl_bounds.figures.cli import DEFAULT_OUT as FIGURES_OUT

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Run(code, out.getvalue(), err.getvalue())


def usage_error(*argv: str, prog: str = "stl-bounds") -> str:
    """The one line of a bad command line (exit 2, nothing on stdout, no traceback), without its prefix."""
    r = run(*argv)
    assert r.code == 2, r
    assert r.out == "" and "Traceback" not in r.err
    assert r.err.startswith(f"{prog}: error: ") and r.err.count("\n") == 1, r.err
    return r.err[len(f"{prog}: error: ") : -1]


def eval_set(*assignments: str) -> str:
    return usage_error("eval", "fu2025.thm1", *[w for a in assignments for w in ("--set", a)])


# --- --set values ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        # before: one point (exit 0); after: refused with the lin form
        ("lam=0:1:11", ["lam: the step 11 exceeds the span 1", "single point 0", "write 0:1:lin:11"]),
        ("lam=0:0.5", ["less than its default step 1", "single point 0", "0:0.5:lin:k"]),
        # before: "n must be integer >= 1; got 0" (read as the list [10, 0])
        ("n=10,000", ["n: this looks like one number with thousands separators", "write 10000 or 1e4"]),
        ("n=1,000,000", ["write 1000000 or 1e6"]),
        ("lam=0,05", ["lam: list item '05' has a leading zero", "(e.g. 0.05)"]),
        ("lam=0.1,,0.2", ["lam: list item 2 of 3 is empty"]),
        ("lam=0:1,2", ["list item '0:1' is a range"]),
        ("lam=1:0:0.1", ["points away from the stop 0", "write 1:0:-0.1"]),
        ("lam=0:1:0", ["lam: the step must not be 0", "0:1:lin:k"]),
        ("lam=", ["lam: the value is empty: write lam=VALUE"]),
        # before: "lam must be [0, 1]; got nan" / "i must be integer >= 0; got inf" for 1e400
        ("lam=nan", ["lam: 'nan' is not a finite number"]),
        ("M=inf", ["M: 'inf' is not a finite number"]),
        ("i=1e400", ["i: 1e400 is too large for float64"]),
        ("eps=1e-400", ["eps: 1e-400 is too small for float64 and would be read as 0"]),
        ("n=0:1e4:log:5", ["n: a log grid needs both ends > 0", "use lin"]),
        ("lam=30%", ["write a percentage as a fraction (0.3)"]),
        ("lam=0:1:11:lin", ["the spacing comes first: write 0:1:lin:11"]),
    ],
)
def test_malformed_set_values(value: str, fragments: list[str]) -> None:
    message = eval_set(value)
    for fragment in fragments:
        assert fragment in message, message
    typed = value.partition("=")[2]
    assert message.endswith(f"got {typed!r}")  # the value typed, quoted
    assert "expected a number (0.3)" in message  # the forms allowed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # before: "unrecognized arguments: 0.2 (see `stl-bounds --help`)"
        (["--set", "lam", "0.2"], "got '--set lam 0.2': write --set lam=0.2"),
        (["--set", "lam", "=", "0.2"], "got '--set lam = 0.2': write --set lam=0.2"),
        (["--set", "lam", "=0.2"], "got '--set lam =0.2': write --set lam=0.2"),
        (["--set", "lam=", "0.2"], "got '--set lam= 0.2': write --set lam=0.2"),
        (["--set", "i", "-3"], "got '--set i -3': write --set i=-3"),
    ],
)
def test_set_without_equals_explains_name_equals_value(argv: list[str], message: str) -> None:
    for where in (["eval", "fu2025.thm1", *argv], ["eval", *argv, "fu2025.thm1"]):
        text = usage_error(*where)
        assert text.startswith("--set takes NAME=VALUE in one word (e.g. lam=0.3 or i=0:50); ")
        assert text.endswith(message)


def test_set_without_a_value_names_the_form() -> None:
    assert eval_set("lam") == "--set takes NAME=VALUE in one word (e.g. lam=0.3 or i=0:50); got 'lam'"


def test_words_after_a_set_are_explained() -> None:
    spaced = usage_error("eval", "fu2025.thm1", "--set", "lam=0.2", "0.3")
    assert "unrecognized arguments: 0.3; a list is one word without spaces: --set lam=0.2,0.3" in spaced
    two = usage_error("eval", "fu2025.thm1", "--set", "lam=0.2", "n=100")
    assert "each parameter takes its own --set: --set n=100" in two
    assert usage_error("eval", "fu2025.thm1", "extra").startswith("unrecognized arguments: extra (see")


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("lamda", "lam"), ("kapa", "kappa"), ("N", "n"), ("lambda", "lam"), ("λ", "lam"), ("epsilon", "eps")],
)
def test_unknown_parameter_gets_did_you_mean(name: str, suggestion: str) -> None:
    # before: "unknown parameter 'lamda' for fu2025.thm1; allowed: M, beta, ..."
    message = eval_set(f"{name}=0.3")
    assert message.startswith(f"unknown parameter {name!r} for fu2025.thm1 (did you mean {suggestion}")
    assert "; allowed: M, beta, c1" in message


def test_unknown_parameter_without_a_close_name_lists_the_allowed_ones() -> None:
    assert eval_set("zz=1") == (
        "unknown parameter 'zz' for fu2025.thm1; allowed: M, beta, c1, c2, c3, c4, delta, eps, g, gamma, i, kappa, "
        "lam, m, n, shift"
    )


def test_unknown_parameter_is_caught_for_calibrate_too() -> None:
    message = usage_error("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "kapa=1.1")
    assert "unknown parameter 'kapa' for fu2025.thm1 (did you mean kappa?)" in message


def test_a_parameter_set_twice_quotes_both() -> None:
    assert eval_set("lam=0.2", "lam=0.3") == (
        "lam is set twice (--set lam=0.2 and --set lam=0.3); give each parameter once, "
        "several values as one grid such as lam=0.1,0.3"
    )


def test_a_grid_where_one_number_is_expected_quotes_it() -> None:
    message = usage_error("calibrate", "fu2025.thm1", "--target", "0.2", "--set", "n=1:10")
    assert message == "n: this command takes one number per parameter, not a grid; got --set n=1:10"


def test_a_list_with_a_plain_comma_is_still_a_list() -> None:
    r = run("eval", "fu2025.thm1", "--set", "n=1,500", "--format", "csv")
    assert r.code == 0, r.err
    header, *rows = [line.split(",") for line in r.out.splitlines()]
    assert [float(row[header.index("n")]) for row in rows] == [1.0, 500.0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["calibrate", "fu2025.thm1", "--target", "0,5"], "expected a number; got '0,5' (a decimal comma? write 0.5)"),
        (["eval", "fu2025.thm1", "--dps", "10,000"], "got '10,000' (no separators: write 10000)"),
        (["calibrate", "fu2025.thm1", "--target", "0.1", "--for", "n", "--n-max", "1,000,000"], "write 1000000)"),
    ],
)
def test_numeric_options_name_separators(argv: list[str], message: str) -> None:
    assert message in usage_error(*argv)


# --- warnings ----------------------------------------------------------------------------------
@pytest.fixture
def warning_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subcommand ``warn`` that raises a numpy RuntimeWarning and deprecation notices, then prints ``done``."""

    def run_warn(args: object) -> int:
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero encountered in log
        library = "/usr/lib/python3/site-packages/sympy/core/basic.py"
        warnings.warn_explicit("old API", DeprecationWarning, library, 1, module="sympy.core.basic")
        warnings.warn_explicit("old keyword", FutureWarning, library, 2, module="sympy.core.basic")
        own = str(ROOT / "stl_bounds" / "cli.py")
        warnings.warn_explicit("our own --old option goes away", DeprecationWarning, own, 3, module="stl_bounds.cli")
        warnings.warn("icl_loop skipped: torch is not installed; install it", UserWarning, stacklevel=1)
        warnings.warn("Glyph 955 missing\nfrom font", UserWarning, stacklevel=1)
        print("done")
        return 0

    monkeypatch.setitem(COMMANDS, "warn", Command("warn", "raise warnings", lambda p: None, run_warn))


@pytest.mark.filterwarnings("default")
def test_warnings_are_one_clean_line_or_none(warning_command: None) -> None:
    r = run("warn")
    assert r.code == 0 and r.out == "done\n"
    assert r.err.splitlines() == [
        "stl-bounds: warning: divide by zero encountered in log (RuntimeWarning)",
        "stl-bounds: warning: our own --old option goes away (DeprecationWarning)",
        "stl-bounds: warning: Glyph 955 missing from font",
    ]
    assert warnings.showwarning.__module__ != "stl_bounds.clean_warnings"  # restored after main


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_warning_filters_still_apply(warning_command: None) -> None:
    with pytest.raises(RuntimeWarning, match="divide by zero"):
        run("warn")


def test_a_skipped_campaign_prints_no_raw_warning_from_the_console_script(tmp_path: Path) -> None:
    """As a process (no pytest capture): torch missing, `verify icl_loop` shows no `file.py:N: UserWarning` lines."""
    script = textwrap.dedent(
        """
        import importlib.util, sys
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: None if name == "torch" else real(name, *a)
        from stl_bounds.cli import main_entry
        sys.argv[1:] = ["verify", "icl_loop", "--executor", "inprocess", "--no-progress", "--out", sys.argv[1]]
        main_entry()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "out")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 3, proc.stderr
    assert "UserWarning" not in proc.stderr and not re.search(r"\.py:\d+:", proc.stderr), proc.stderr
    assert "0 campaigns passed, 1 skipped, not verified (torch is not installed)" in proc.stdout


# --- install hints -----------------------------------------------------------------------------
def test_install_hints_say_both_ways_as_the_readme_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'python3 -m pip install -e ".[torch]" "torch==2.13.0"' in readme
    assert TORCH_INSTALL == (
        'install it in a clone with python3 -m pip install -e ".[torch]" "torch==2.13.0", '
        'or from a package index with pip install "stl-bounds[torch]"'
    )
    assert 'python3 -m pip install -e ".[distributed]"' in DISTRIBUTED_INSTALL
    assert 'pip install "stl-bounds[distributed]"' in DISTRIBUTED_INSTALL


def test_every_install_hint_comes_from_the_one_module() -> None:
    sources = [*(ROOT / "stl_bounds").rglob("*.py"), *(ROOT / "verification").rglob("*.py")]
    spelled = [p.relative_to(ROOT) for p in sources if "pip install" in p.read_text(encoding="utf-8")]
    assert spelled == [Path("stl_bounds/extras.py")]


def test_missing_dask_names_both_install_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    message = usage_error(
        "verify", "shift_recursion", "--executor", "dask", "--out", str(tmp_path), prog="stl-bounds verify"
    )
    assert message.endswith(DISTRIBUTED_INSTALL)


# --- figures -----------------------------------------------------------------------------------
def test_figures_default_out_leaves_the_committed_figures_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Run from a clone, `stl-bounds figures` writes to stl-figures/ (ignored by git), never into figures/."""
    committed = tmp_path / "figures"
    committed.mkdir()
    (committed / "bound_vs_generation.png").write_bytes(b"committed")
    monkeypatch.chdir(tmp_path)
    r = run("figures", "--only", "bound_vs_generation", "--no-progress")
    assert r.code == 0, r.err
    assert (committed / "bound_vs_generation.png").read_bytes() == b"committed"
    assert sorted(p.name for p in (tmp_path / FIGURES_OUT).iterdir()) == [
        "bound_vs_generation.json",
        "bound_vs_generation.pdf",
        "bound_vs_generation.png",
    ]
    assert f"/{FIGURES_OUT}/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


# --- dask shutdown -----------------------------------------------------------------------------
class _Closing:
    """A stand-in client or cluster whose close logs a teardown warning on distributed's logger."""

    def __init__(self, name: str, order: list[str], fail: bool = False) -> None:
        self.name, self.order, self.fail = name, order, fail

    def close(self) -> None:
        self.order.append(self.name)
        logging.getLogger("distributed.nanny").warning("Worker process still alive after 4.0 seconds, killing")
        if self.fail:
            raise OSError(f"{self.name} failed to close")


def test_dask_teardown_closes_client_then_cluster_without_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    from verification.executors import _close_quietly

    order: list[str] = []
    before = logging.getLogger("distributed").level
    with caplog.at_level(logging.DEBUG):
        _close_quietly(_Closing("client", order), _Closing("cluster", order))
    assert order == ["client", "cluster"]
    assert caplog.records == []
    assert logging.getLogger("distributed").level == before  # restored
    logging.getLogger("distributed.nanny").warning("after")
    assert [r.getMessage() for r in caplog.records] == ["after"]


def test_dask_teardown_closes_the_cluster_even_when_the_client_fails() -> None:
    from verification.executors import _close_quietly

    order: list[str] = []
    with pytest.raises(OSError, match="client failed to close"):
        _close_quietly(_Closing("client", order, fail=True), _Closing("cluster", order))
    assert order == ["client", "cluster"]


@pytest.mark.slow
def test_dask_run_shuts_down_without_traceback_or_log_lines(tmp_path: Path) -> None:
    """A real LocalCluster (about 40 s on 2 busy cores): stderr holds only the CLI's own lines."""
    pytest.importorskip("distributed")
    argv = ["verify", "closed_forms", "--executor", "dask", "--workers", "2", "--replicates", "200"]
    proc = subprocess.run(
        [sys.executable, "-m", "stl_bounds", *argv, "--no-progress", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not re.search(r" - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - ", proc.stderr), proc.stderr
    assert all(line.startswith("stl-bounds") for line in proc.stderr.splitlines()), proc.stderr
    assert "all checks pass" in proc.stdout


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["verify", "--replicates", "10,000"], "--replicates: expected an integer >= 1; got '10,000' (no separators"),
        (["verify", "--workers", "0"], "--workers: expected an integer >= 1; got '0'"),
        (["verify", "--chunk-size", "1e3"], "--chunk-size: expected an integer >= 1; got '1e3'"),
        (["verify", "--seed", "-1"], "--seed: expected an integer >= 0; got '-1'"),
        (["figures", "--seed", "x"], "--seed: expected an integer >= 0; got 'x'"),
        (["report", "--workers", "two"], "--workers: expected an integer >= 1; got 'two'"),
        (["claims", "--seed", "1,000"], "--seed: expected an integer >= 0; got '1,000' (no separators: write 1000)"),
    ],
)
def test_integer_options_of_every_command_name_the_form_and_the_value(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from stl_bounds.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and "Traceback" not in err[0]
