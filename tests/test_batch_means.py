"""Batch means with Student's t, mapped to the normal scale (verification.stats; docs/theory.md §6.2).

The closed-form campaign tests its heavy-tailed quantities with the mean of K chunk means, studentized on
K − 1 degrees of freedom, and compares the normal-equivalent score with the one Bonferroni z-threshold of
the campaign.  These tests show the family level is kept with few blocks (where a normal quantile on a
studentized median of means is not), that a biased simulator is still caught, and that the judge uses it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from verification.campaign import TaskData
from verification.campaigns import closed_forms
from verification.stats import Moments, batch_means, normal_equivalent

DRAWS = 100_000


def test_normal_equivalent_keeps_the_two_sided_tail() -> None:
    t = np.array([-7.0, -2.5, 0.0, 1.0, 3.3, 12.0])
    for dof in (3, 7, 19):
        z = normal_equivalent(t, dof)
        np.testing.assert_allclose(2 * stats.norm.sf(np.abs(z)), 2 * stats.t.sf(np.abs(t), dof), rtol=1e-10)
        assert np.all(np.sign(z) == np.sign(t))
        assert np.all(np.abs(z[t != 0]) < np.abs(t[t != 0]))  # t has heavier tails: a smaller normal score


def _rate_interval(count: int, trials: int, level: float = 0.999) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval of a rate at ``level``."""
    a = (1 - level) / 2
    low = float(stats.beta.ppf(a, count, trials - count + 1)) if count else 0.0
    return low, float(stats.beta.ppf(1 - a, count + 1, trials - count))


@pytest.mark.parametrize("blocks", [8, 20])
def test_false_alarm_rate_is_nominal_with_few_blocks(blocks: int) -> None:
    """Correct data: the rate of |z| > 3 has a 99.9% interval that contains its normal value 2.7e-3."""
    rng = np.random.default_rng(12)
    est, dof = batch_means(rng.standard_normal((blocks, DRAWS)))
    assert dof == blocks - 1
    nominal = 2 * stats.norm.sf(3.0)
    low, high = _rate_interval(int(np.sum(np.abs(normal_equivalent(est.value / est.se, dof)) > 3.0)), DRAWS)
    assert low <= nominal <= high
    # The mistake this guards against: a normal quantile on the raw t score alarms far too often.
    raw_low, _ = _rate_interval(int(np.sum(np.abs(est.value / est.se) > 3.0)), DRAWS)
    assert raw_low > nominal


def test_biased_blocks_are_caught() -> None:
    """Negative control: block means shifted by 3 standard errors of their mean fail at z = 4.6 nearly always."""
    rng = np.random.default_rng(5)
    blocks = 20
    means = rng.standard_normal((blocks, 2000)) + 3 * 1.6 / math.sqrt(blocks) * 3  # a 9-SE shift of the mean
    est, dof = batch_means(means)
    z = normal_equivalent(est.value / est.se, dof)
    assert np.mean(np.abs(z) > 4.6) > 0.99


def test_batch_means_refuses_one_block() -> None:
    with pytest.raises(ValueError, match="at least 2 blocks"):
        batch_means(np.zeros((1, 3)))


def _heavy_task(exact_shift: float, blocks: int = 10) -> list[TaskData]:
    """One replace-unbiased mean_sq_err task of the campaign with ``blocks`` chunks of a known law."""
    task = next(
        t
        for t in closed_forms.tasks("quick")
        if t["sim"]["regime"] == "replace" and any(g["estimator"] == "batch" for g in t["targets"])
    )
    target = next(g for g in task["targets"] if g["estimator"] == "batch")
    params = {**task, "targets": [target]}
    exact = np.asarray(closed_forms._reference(TaskData(0, params, 0, []), target, (task["sim"]["fits"],))[0])
    rng = np.random.default_rng(3)
    chunks = []
    for _ in range(blocks):
        sample = rng.normal(exact * (1 + exact_shift), 0.05 * exact, size=(200, exact.size))
        chunks.append({target["quantity"]: Moments.of(sample).to_dict()})
    return [TaskData(0, params, 200 * blocks, chunks)]


def test_closed_forms_judge_uses_batch_means_and_fails_a_biased_one() -> None:
    good = closed_forms.judge(_heavy_task(0.0))
    heavy = [c for c in good.checks if c.name.startswith("gauss.replace")]
    assert heavy and all(c.passed for c in heavy)
    assert "t, 9 dof" in heavy[0].statement
    w_opt = next(c for c in good.checks if c.name == "gauss.weighted.w_opt")  # no weighted task was given
    assert not w_opt.passed and "not tested" in w_opt.statement
    bad = closed_forms.judge(_heavy_task(0.05))  # 5% bias, 0.05/√(2000) relative SE: far beyond the threshold
    failed = [c for c in bad.checks if c.name.startswith("gauss.replace") and not c.passed]
    assert failed and failed[0].figures["max_abs_z"] > failed[0].figures["z_threshold"]


def test_slope_of_constant_data_is_exactly_zero() -> None:
    """A flat series has slope 0 with a zero-width interval (not a NaN that fails every slope check)."""
    from verification.stats import slope

    fit = slope(np.arange(6.0), np.full(6, 2.5))
    assert (fit.value, fit.stderr, fit.low, fit.high) == (0.0, 0.0, 0.0, 0.0)
    noisy = slope(np.arange(6.0), np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]))
    assert noisy.stderr > 0 and noisy.low < noisy.value < noisy.high
