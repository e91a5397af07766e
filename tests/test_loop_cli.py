"""``stl-bounds loop``: a user's factory from a module on the path, bad factories, resume, bad input, extras."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from stl_bounds.cli import main
from stl_bounds.extras import SKLEARN_INSTALL
from stl_bounds.registry import get

HERE = Path(__file__).parent


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """tests/loop_user_models.py importable as a user's module, its misbehaviour switched off."""
    monkeypatch.syspath_prepend(str(HERE))
    import loop_user_models

    monkeypatch.setattr(loop_user_models, "MODE", None)
    monkeypatch.setattr(loop_user_models, "CALLS", 0)
    return loop_user_models


def loop(capsys: pytest.CaptureFixture[str], out: Path, *words: str) -> tuple[int, str, str]:
    """Run ``stl-bounds loop`` in process (one worker, no progress bar); return (exit code, stdout, stderr)."""
    code = main(["loop", "--out", str(out), "--executor", "inprocess", "--workers", "1", "--no-progress", *words])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_line(err: str) -> str:
    """The error line (the last line of stderr), checked to be one line without a traceback."""
    assert "Traceback" not in err
    last = err.rstrip("\n").split("\n")[-1]
    assert last.startswith("stl-bounds: error: "), err
    return last[len("stl-bounds: error: ") :]


SMALL = ["--n", "10", "--generations", "3", "--replicates", "4", "--eval-size", "20"]


def test_a_user_factory_from_a_module_on_the_path(user: ModuleType, tmp_path: Path, capsys) -> None:
    code, out, err = loop(
        capsys, tmp_path, "--model", "loop_user_models:mean_shift", "--regime", "fresh", "--lam", "0.5", "--coupled",
        *SMALL,
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(doc["records"]) == {
        "mean", "cov_trace", "wasserstein", "energy", "model_distance", "learning_error", "gamma", "gamma_energy"
    }  # fmt: skip
    assert doc["records"]["gamma"]["replicates"] == 4 and len(doc["records"]["gamma"]["mean"]) == 3
    rows = out.splitlines()
    assert rows[1].split("\t") == ["i", "wasserstein", "cov_trace", "learning_error", "gamma"]
    assert [r.split("\t")[0] for r in rows[2:5]] == ["0", "1", "2"]
    assert (tmp_path / "loop.png").stat().st_size > 0 and (tmp_path / "loop.pdf").stat().st_size > 0
    assert "loop: loop_user_models:mean_shift on N(0, I_1)" in err


def test_a_user_real_sampler_sets_the_dimension(user: ModuleType, tmp_path: Path, capsys) -> None:
    code, _, err = loop(capsys, tmp_path, "--model", "gaussian", "--real", "loop_user_models:shifted_plane",
                        "--regime", "replace", *SMALL)  # fmt: skip
    assert code == 0, err
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert doc["d"] == 2 and doc["real_distribution"] == "loop_user_models:shifted_plane"
    assert len(doc["records"]["mean"]["mean"][0]) == 2


@pytest.mark.parametrize(
    ("mode", "what"),
    [
        ("factory", "factory call raised RuntimeError: no GPU left"),
        ("fit", "fit raised ZeroDivisionError: the model divided by zero"),
        ("none", "fit returned NoneType, expected the fitted model (with a sample method)"),
        ("shape", r"sample returned shape (19, 1), expected (20, 1)"),
        ("nan", "sample returned 1 non-finite values (NaN or inf)"),
        ("dtype", "sample returned dtype int64, expected a floating dtype"),
    ],
)
def test_a_bad_factory_stops_the_run_naming_factory_and_generation(
    user: ModuleType, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, mode: str, what: str
) -> None:
    monkeypatch.setattr(user, "MODE", mode)
    code, out, err = loop(capsys, tmp_path, "--model", "loop_user_models:flaky", "--regime", "replace", *SMALL)
    assert code == 2 and out == ""
    assert error_line(err) == f"model factory loop_user_models:flaky: {what} at generation 2 (replicate 0)"


def test_chunks_written_before_a_failure_stay_valid_for_resume(
    user: ModuleType, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = ["--model", "loop_user_models:flaky", "--regime", "replace", *SMALL, "--chunk-size", "2"]
    monkeypatch.setattr(user, "MODE", "fit")
    monkeypatch.setattr(user, "TRIGGER", 2 * 3 + 3)  # the third fit of replicate 2: its generation 2
    code, _, err = loop(capsys, tmp_path / "run", *words)
    assert code == 2 and "at generation 2 (replicate 2)" in error_line(err)
    assert sorted(p.name for p in (tmp_path / "run" / "chunks" / "loop").glob("*.json")) == ["t000-c00000.json"]
    assert not (tmp_path / "run" / "results.json").exists()
    code, _, err = loop(capsys, tmp_path / "run", *words)
    assert code == 2 and "--resume" in error_line(err)
    monkeypatch.setattr(user, "MODE", None)
    assert loop(capsys, tmp_path / "run", *words, "--resume")[0] == 0
    assert loop(capsys, tmp_path / "clean", *words)[0] == 0
    resumed = (tmp_path / "run" / "results.json").read_bytes()
    assert resumed == (tmp_path / "clean" / "results.json").read_bytes()


def test_fit_bound_prints_the_registry_values(tmp_path: Path, capsys) -> None:
    code, out, err = loop(capsys, tmp_path, "--model", "categorical", "--regime", "reused", "--lam", "0.5",
                          "--fit-bound", "--target", "0.4", *SMALL)  # fmt: skip
    assert code == 0, err
    fit = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["fit_bound"]
    value = get("lemma.amplified_shift").evaluate(eps=fit["eps"], kappa=fit["kappa"], lam=0.5, i=2).value
    assert f"lemma.amplified_shift (exact) = {value:.6g}" in out
    thm = get("fu2025.thm1").evaluate(eps=fit["eps"], kappa=fit["kappa"], lam=0.5, i=2, n=10).value
    assert f"fu2025.thm1 (template) = {thm:.6g}" in out
    assert "smallest lam for lemma.amplified_shift <= 0.4: " in out
    assert fit["estimators"]["kappa"] and fit["units"] == "total variation"


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--model", "gaussian", "--regime", "replace", "--lam", "0.3"],
         "lam applies to the regimes fresh and reused; got lam=0.3 with regime 'replace'"),
        (["--model", "gaussian", "--regime", "fresh"],
         "regime 'fresh' needs lam (the share of real data), e.g. --lam 0.5"),
        (["--model", "gaussian", "--regime", "fresh", "--lam", "0.33", "--n", "10"],
         "lam*n must be an integer (whole real points) for regime 'fresh'; got lam*n = 0.33*10 = 3.3"),
        (["--model", "gausian", "--regime", "replace"], "(did you mean gaussian?)"),
        (["--model", "gaussian", "--regime", "recycle"], "regime must be one of replace, fresh, reused, accumulate"),
        (["--model", "no_such_module_xyz:make", "--regime", "replace"],
         "--model 'no_such_module_xyz:make': cannot import module 'no_such_module_xyz'"),
        (["--model", "loop_user_models:missing", "--regime", "replace"], "has no attribute 'missing'"),
        (["--model", "os.path:join(", "--regime", "replace"], "--model must be a built-in name or module:name"),
        (["--model", "gaussian", "--regime", "replace", "--target", "0.1"], "--target applies with --fit-bound"),
        (["--model", "gaussian", "--regime", "accumulate", "--fit-bound"],
         "--fit-bound needs a regime with a fixed share of real data (replace, fresh, reused); got 'accumulate'"),
        (["--model", "gaussian", "--regime", "replace", "--categories", "4"],
         "model 'gaussian' is continuous; --categories applies to categorical models"),
        (["--model", "categorical", "--regime", "replace", "--d", "2"], "--d applies to continuous models"),
        (["--model", "gaussian", "--real", "loop_user_models:nan_sampler", "--regime", "replace"],
         "real sampler loop_user_models:nan_sampler: call returned 2 non-finite values (NaN or inf) "
         "before generation 0"),
        (["--model", "gaussian", "--regime", "replace", "--n", "10,000"], "expected an integer >= 2; got '10,000'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    user: ModuleType, tmp_path: Path, capsys, words: list[str], message: str
) -> None:
    code, out, err = loop(capsys, tmp_path, *words)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message in error_line(err)


def test_sklearn_models_without_sklearn_name_both_install_commands(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    for model in ("gaussian_mixture", "kernel_density"):
        code, _, err = loop(capsys, tmp_path, "--model", model, "--regime", "replace")
        assert code == 2
        assert error_line(err) == f"model {model!r} needs scikit-learn: {SKLEARN_INSTALL}"
    assert 'python3 -m pip install -e ".[sklearn]"' in SKLEARN_INSTALL
    assert 'pip install "stl-bounds[sklearn]"' in SKLEARN_INSTALL
