"""Training (issue 4): the query-only output used by training, warm start of generation i from i−1, learning rates."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import stl_bounds  # noqa: E402
from verification.icl.loop import LoopConfig, run_loop  # noqa: E402
from verification.icl.models import LSA, SoftmaxTransformer  # noqa: E402
from verification.icl.task import sample_prompts, tokens  # noqa: E402

pytestmark = pytest.mark.torch

SMALL = {"d": 3, "N": 4, "sigma2": 0.3, "lam": 0.5, "generations": 2, "pool": 32, "batch": 8, "eval_prompts": 8}


@pytest.mark.parametrize("warm", [True, False])
def test_generation_starts_from_previous_weights(warm: bool) -> None:
    cfg = LoopConfig(**SMALL, steps=20, steps_next=1, lr_next=1e-12, lr_final_next=1e-12, warm_start=warm)
    rec = run_loop(cfg, LSA(3), 2, torch.Generator().manual_seed(0), dtype=torch.float64)
    gen0, gen1 = rec.params
    close = all(torch.allclose(gen0[k], gen1[k], atol=1e-9) for k in gen0)
    assert close is warm  # one step at lr 1e-12 from gen 0's weights, or a fresh random start


def test_first_generation_schedule_is_unchanged_by_later_settings() -> None:
    a = run_loop(LoopConfig(**SMALL, steps=10), LSA(3), 2, torch.Generator().manual_seed(1), dtype=torch.float64)
    b = run_loop(
        LoopConfig(**SMALL, steps=10, steps_next=3, lr_next=0.5, lr_final_next=0.1),
        LSA(3),
        2,
        torch.Generator().manual_seed(1),
        dtype=torch.float64,
    )
    for k in a.params[0]:
        assert torch.equal(a.params[0][k], b.params[0][k])


@pytest.mark.parametrize("field", ["lr_next", "lr_final_next", "lr", "lr_final"])
def test_bad_learning_rates(field: str) -> None:
    with pytest.raises(stl_bounds.ParameterError, match=f"{field} must be a finite number > 0"):
        LoopConfig(**{field: float("nan")})
    with pytest.raises(stl_bounds.ParameterError, match="steps_next must be"):
        LoopConfig(steps_next=0)


@pytest.mark.parametrize("model", [LSA(4), LSA(4, layers=3), SoftmaxTransformer(4, depth=2)])
def test_query_output_equals_forward(model: LSA | SoftmaxTransformer) -> None:
    g = torch.Generator().manual_seed(2)
    params = model.init(3, g, torch.float64)
    p = sample_prompts((3, 5), 4, 16, 0.25, g, dtype=torch.float64)
    z = torch.cat([tokens(p.x, p.y), tokens(p.x, p.y)[..., -1:, :]], dim=-2)  # two query rows
    want = model.forward(params, z, 16)[..., 16:, -1]
    torch.testing.assert_close(model.query_output(params, z, 16), want, rtol=1e-12, atol=1e-12)
