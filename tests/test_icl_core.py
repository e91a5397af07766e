"""Transformer path (issue 4): token layout, von Oswald, LSA optimum, batching, label feedback, errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import stl_bounds  # noqa: E402
from verification.icl.loop import LoopConfig, run_loop  # noqa: E402
from verification.icl.models import LSA, optimal_lsa, predict, von_oswald  # noqa: E402
from verification.icl.task import real_count, risk, sample_prompts, tokens  # noqa: E402
from verification.icl.train import real_batches, resolve_device, train  # noqa: E402

pytestmark = pytest.mark.torch


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_token_layout() -> None:
    p = sample_prompts((2, 3), 4, 5, 0.5, _gen(), dtype=torch.float64)
    z = tokens(p.x, p.y)
    assert z.shape == (2, 3, 6, 5)
    assert torch.equal(z[..., :5, :4], p.x[..., :5, :])
    assert torch.equal(z[..., :5, 4], p.y[..., :5])
    assert torch.equal(z[..., 5, :4], p.x[..., 5, :])
    assert torch.all(z[..., 5, 4] == 0)
    assert torch.allclose(p.target, (p.x[..., -1, :] * p.w).sum(-1))


def test_von_oswald_one_gradient_step() -> None:
    d, N, eta = 5, 20, 0.7
    p = sample_prompts((3, 50), d, N, 1.0, _gen(1), dtype=torch.float64)
    weights = {k: v.expand(3, -1, -1, -1) for k, v in von_oswald(d, eta).items()}
    got = predict(LSA(d), weights, p.x, p.y)[..., N]
    w1 = eta / N * torch.einsum("rbn,rbnd->rbd", p.y[..., :N], p.x[..., :N, :])  # w_0 - eta * grad at w_0 = 0
    assert torch.max(torch.abs(got - (w1 * p.x[..., N, :]).sum(-1))) < 1e-12


def test_closed_form_optimum_matches_formula() -> None:
    d, N, s2 = 3, 10, 0.25
    r_star = stl_bounds.get("icl.lsa_opt.risk").evaluate(d=d, N=N, sigma2=s2).value
    p = sample_prompts((1, 200_000), d, N, s2, _gen(2), dtype=torch.float64)
    err2 = (predict(LSA(d), optimal_lsa(N, s2, torch.ones(d, dtype=torch.float64)), p.x, p.y)[..., N] - p.target) ** 2
    mean, se = err2.mean().item(), err2.std().item() / np.sqrt(err2.numel())
    assert abs(mean - r_star) < 4.5 * se
    worse = predict(LSA(d), von_oswald(d, 1.0), p.x, p.y)[..., N]  # averaging is not optimal
    assert risk(worse, p).item() > r_star + 10 * se


def test_trained_lsa_near_optimum() -> None:
    d, N, s2, R = 3, 10, 0.25, 4
    g = _gen(3)
    res = train(
        LSA(d), LSA(d).init(R, g), real_batches(R, 128, d, N, s2, g, torch.float32), steps=400, lr=0.1, lr_final=0.001
    )
    ev = sample_prompts((R, 4000), d, N, s2, g)
    r = risk(predict(LSA(d), res.params, ev.x, ev.y)[..., N], ev)
    r_star = stl_bounds.get("icl.lsa_opt.risk").evaluate(d=d, N=N, sigma2=s2).value
    assert not res.diverged.any()
    assert abs(r.mean().item() / r_star - 1) < 0.1


def test_batched_equals_looped() -> None:
    d, N, R, steps = 3, 6, 4, 20
    g = _gen(4)
    model = LSA(d)
    init = model.init(R, g, torch.float64)
    data = [sample_prompts((R, 16), d, N, 0.1, g, dtype=torch.float64) for _ in range(steps)]
    batched = train(model, init, lambda t: data[t], steps=steps, lr=0.05)
    for r in range(R):
        one = train(
            model,
            {k: v[r : r + 1] for k, v in init.items()},
            lambda t, r=r: type(data[t])(data[t].x[r : r + 1], data[t].y[r : r + 1], data[t].w[r : r + 1]),
            steps=steps,
            lr=0.05,
        )
        for k in init:
            torch.testing.assert_close(batched.params[k][r : r + 1], one.params[k], rtol=1e-10, atol=1e-12)


def test_label_feedback_is_previous_prediction_plus_noise() -> None:
    cfg = LoopConfig(d=3, N=4, sigma2=0.3, lam=0.5, generations=3, pool=64, steps=5, batch=8, eval_prompts=8)
    rec = run_loop(cfg, LSA(3), 2, _gen(5), dtype=torch.float64, keep_labels=True)
    mask = cfg.real_mask(cfg.pool).expand_as(rec.labels[0])
    for gen in range(cfg.generations):
        prev, new, noise = rec.labels[gen], rec.labels[gen + 1], rec.noise[gen]
        expected = predict(LSA(3), rec.params[gen], rec.inputs, prev) + np.sqrt(cfg.sigma2) * noise
        assert torch.equal(new[~mask], expected[~mask])  # exactly the previous model's prediction plus the noise
        assert torch.equal(new[mask], rec.labels[0][mask])  # real labels untouched
    assert mask[0, :, :2].all() and not mask[0, :, 2:4].any() and mask[0, :, 4].sum() == 32


def test_label_feedback_exact() -> None:
    from verification.icl.loop import relabel

    g = _gen(6)
    p = sample_prompts((2, 5), 3, 4, 0.3, g, dtype=torch.float64)
    params = LSA(3).init(2, g, torch.float64)
    cfg = LoopConfig(d=3, N=4, sigma2=0.3, lam=0.5)
    noise = torch.randn(p.y.shape, generator=g, dtype=torch.float64)
    y_prev = p.y + 1.0
    new = relabel(LSA(3), params, p.x, y_prev, p.y, cfg.real_mask(5), noise, 0.3)
    expected = predict(LSA(3), params, p.x, y_prev) + np.sqrt(0.3) * noise
    mask = cfg.real_mask(5).expand_as(new)
    assert torch.equal(new[~mask], expected[~mask])
    assert torch.equal(new[mask], p.y[mask])


def test_device_selection() -> None:
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(stl_bounds.ParameterError, match="device must be one of"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(stl_bounds.ParameterError, match="no CUDA device"):
            resolve_device("cuda")
        assert resolve_device("auto").type == "cpu"


def test_diverging_run_reported() -> None:
    g = _gen(7)
    res = train(LSA(3), LSA(3).init(2, g), real_batches(2, 8, 3, 4, 0.1, g, torch.float32), steps=5, lr=1e12)
    assert res.diverged.all()
    assert (res.first_bad_step >= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"N": 0}, "N must be"), ({"d": 0}, "d must be"), ({"lam": 0.3, "N": 16}, "lam\\*N must be an integer")],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(stl_bounds.ParameterError, match=match):
        LoopConfig(**kwargs)
    assert real_count(0.25, 16) == 4


def test_campaigns_skip_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    from verification.campaigns import get_campaign

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "torch" else real_find_spec(n, *a))
    for name in ("icl_anchor", "icl_loop", "icl_stability"):
        campaign = get_campaign(name)
        assert campaign.tasks("quick") == []
        with pytest.warns(UserWarning, match="pip install"):
            outcome = campaign.judge([])
        assert outcome.figures["status"] == "skipped" and outcome.passed


def test_cli_cuda_without_gpu_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    from verification.cli import main

    monkeypatch.setenv("STL_BOUNDS_DEVICE", "cuda")
    assert main(["verify", "icl_anchor", "--out", str(tmp_path), "--no-progress"]) == 2


def test_cli_device_flag(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from verification.cli import main

    monkeypatch.setenv("STL_BOUNDS_DEVICE", "auto")  # restored after the test: --device overrides it in-process
    if not torch.cuda.is_available():
        assert main(["verify", "icl_anchor", "--device", "cuda", "--out", str(tmp_path / "a"), "--no-progress"]) == 2
        assert "no CUDA device is available" in capsys.readouterr().err
    assert main(["verify", "icl_anchor", "--device", "tpu", "--out", str(tmp_path / "b")]) == 2
    assert "invalid choice" in capsys.readouterr().err
