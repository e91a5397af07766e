"""The verification runner: reproducibility, fault tolerance, executors, bad input.

Infrastructure tests use the ``shift_recursion`` campaign with a handful of
replicates in chunks of a few, so that a run has dozens of chunks but takes
seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

import verification
from stl_bounds.errors import ParameterError
from verification.chunks import chunk_files
from verification.cli import main

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = "shift_recursion"
SMALL = {"replicates": 16, "chunk_size": 4, "seed": 11}  # 4 chunks per task, 40 in all
ARGS = [CAMPAIGN, "--replicates", "16", "--chunk-size", "4", "--seed", "11", "--no-progress"]
# The kill tests need a run that cannot finish between its second chunk and the signal: 320 chunks.
LONG = {"replicates": 64, "chunk_size": 2, "seed": 11}
LONG_ARGS = [CAMPAIGN, "--replicates", "64", "--chunk-size", "2", "--seed", "11", "--no-progress"]
LONG_CHUNKS = 320


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output folder of an uninterrupted in-process run."""
    out = tmp_path_factory.mktemp("reference")
    verification.run([CAMPAIGN], out=out, executor="inprocess", workers=1, **SMALL)
    return out


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """results.json of an uninterrupted in-process run of the long setting."""
    out = tmp_path_factory.mktemp("long-reference")
    verification.run([CAMPAIGN], out=out, executor="inprocess", workers=1, **LONG)
    return (out / "results.json").read_bytes()


@pytest.fixture(scope="module")
def reference(reference_run: Path) -> bytes:
    """results.json of the uninterrupted run: the bytes every other way of running must give."""
    return (reference_run / "results.json").read_bytes()


def test_worker_count_invariance(tmp_path: Path, reference: bytes) -> None:
    verification.run([CAMPAIGN], out=tmp_path, executor="process", workers=2, **SMALL)
    assert (tmp_path / "results.json").read_bytes() == reference
    assert (tmp_path / "report.md").read_text().startswith("# stl-bounds verification report")


def test_dask_local_cluster_gives_identical_results(tmp_path: Path, reference: bytes) -> None:
    distributed = pytest.importorskip("distributed", reason="dask.distributed not installed (extra 'distributed')")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        verification.run(
            [CAMPAIGN], out=tmp_path, executor="dask", scheduler=cluster.scheduler_address, workers=2, **SMALL
        )
    assert (tmp_path / "results.json").read_bytes() == reference


def _start(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "verification", "verify", *LONG_ARGS, "--workers", "2", "--out", str(out), *extra]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # a test runner started in the background inherits SIGINT ignored, and Python then keeps it
        # ignored: give the run the default disposition so that it sees Ctrl-C as a user would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_chunks(proc: subprocess.Popen[bytes], out: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(chunk_files(out)) < count:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "no chunks written"
        time.sleep(0.01)


def test_resume_after_sigkill_is_byte_identical(tmp_path: Path, long_reference: bytes) -> None:
    proc = _start(tmp_path)
    _wait_for_chunks(proc, tmp_path, 2)
    os.killpg(proc.pid, signal.SIGKILL)  # the run's own process group: the runner and its workers
    proc.wait()
    assert not (tmp_path / "results.json").exists() and len(chunk_files(tmp_path)) < LONG_CHUNKS
    assert main(["verify", *LONG_ARGS, "--out", str(tmp_path), "--executor", "inprocess"]) == 2  # no --resume
    assert main(["verify", *LONG_ARGS, "--out", str(tmp_path), "--resume", "--workers", "2"]) == 0
    assert (tmp_path / "results.json").read_bytes() == long_reference


def test_sigint_keeps_chunks_and_resume_completes(tmp_path: Path, long_reference: bytes) -> None:
    proc = _start(tmp_path)
    _wait_for_chunks(proc, tmp_path, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "--resume" in err.decode()
    assert main(["verify", *LONG_ARGS, "--out", str(tmp_path), "--resume", "--executor", "inprocess"]) == 0
    assert (tmp_path / "results.json").read_bytes() == long_reference


@pytest.fixture
def finished(reference_run: Path, tmp_path: Path) -> Path:
    """A copy of the finished reference run."""
    out = tmp_path / "finished"
    shutil.copytree(reference_run, out)
    return out


def test_existing_chunks_need_resume(finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", *ARGS, "--out", str(finished), "--executor", "inprocess"]) == 2
    err = capsys.readouterr().err
    assert "already holds" in err and "--resume" in err and len(err.strip().splitlines()) == 1


def test_corrupted_chunk_is_reported(finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = chunk_files(finished)[4]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x04
    path.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["verify", *ARGS, "--out", str(finished), "--resume", "--executor", "inprocess"]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "corrupted" in err


def test_foreign_chunk_is_reported(finished: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [a if a != "11" else "12" for a in ARGS]  # another seed
    capsys.readouterr()
    assert main(["verify", *args, "--out", str(finished), "--resume", "--executor", "inprocess"]) == 2
    assert "belongs to another run: seed=11 (this run: 12)" in capsys.readouterr().err


def test_resume_of_finished_run_recomputes_nothing(finished: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in chunk_files(finished)}
    assert main(["verify", *ARGS, "--out", str(finished), "--resume", "--executor", "inprocess"]) == 0
    assert {p: p.stat().st_mtime_ns for p in chunk_files(finished)} == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["no_such_campaign"], "campaign must be one of"),
        ([CAMPAIGN, "--replicates", "0"], "--replicates: expected an integer >= 1; got '0'"),
        ([CAMPAIGN, "--replicates", "-3"], "--replicates: expected an integer >= 1; got '-3'"),
        ([CAMPAIGN, "--workers", "0"], "--workers: expected an integer >= 1; got '0'"),
        ([CAMPAIGN, "--seed", "-1"], "--seed: expected an integer >= 0; got '-1'"),
        ([CAMPAIGN, "--scheduler", "tcp://127.0.0.1:1"], "needs executor 'dask'"),
    ],
)
def test_bad_input_exits_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["verify", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["verify", *ARGS, "--out", str(blocker / "out")]) == 2
    assert "is not writable" in capsys.readouterr().err


def test_missing_dask_is_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["verify", *ARGS, "--out", str(tmp_path), "--executor", "dask"]) == 2
    err = capsys.readouterr().err
    assert 'python3 -m pip install -e ".[distributed]"' in err and 'pip install "stl-bounds[distributed]"' in err


def test_impossible_task_is_rejected_by_the_simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from verification.campaigns import shift_recursion

    bad = {"model": "gaussian", "sim": {"regime": "reused", "n": 0, "lam": 0.5, "fits": 3, "sigma": 1.0}}
    monkeypatch.setattr(shift_recursion, "CAMPAIGN", replace(shift_recursion.CAMPAIGN, tasks=lambda mode: [bad]))
    with pytest.raises(ParameterError, match="n"):
        verification.run([CAMPAIGN], out=tmp_path, executor="inprocess", workers=1, **SMALL)
    assert not chunk_files(tmp_path)
