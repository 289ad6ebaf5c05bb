"""EI and log-EI against hand-computed and high-precision reference values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metaknow.bo.acquisition import expected_improvement, log_expected_improvement


def _ei_reference(mean: float, sd: float, best: float):  # noqa: ANN202 - an mpmath number
    """EI with 50-digit arithmetic: sd * (z Phi(z) + phi(z))."""
    mpmath = pytest.importorskip("mpmath", reason="high-precision reference needs mpmath")
    mpmath.mp.dps = 50
    z = (mpmath.mpf(best) - mean) / sd
    Phi = mpmath.ncdf(z)
    phi = mpmath.npdf(z)
    return sd * (z * Phi + phi)


def test_ei_hand_computed() -> None:
    # mean 0, sd 1, best 0.5: z = 0.5, Phi(0.5) = 0.6914624613, phi(0.5) = 0.3520653268
    ei = expected_improvement(np.array([0.0]), np.array([1.0]), 0.5)
    assert ei[0] == pytest.approx(0.5 * 0.6914624613 + 0.3520653268, rel=1e-9)
    # mean 1, sd 2, best 1: z = 0, EI = 2 * phi(0) = 2 / sqrt(2 pi)
    ei = expected_improvement(np.array([1.0]), np.array([4.0]), 1.0)
    assert ei[0] == pytest.approx(2.0 / math.sqrt(2 * math.pi), rel=1e-12)


def test_ei_without_variance_is_plain_improvement() -> None:
    ei = expected_improvement(np.array([0.2, 0.9]), np.array([0.0, 0.0]), 0.5)
    np.testing.assert_allclose(ei, [0.3, 0.0])
    assert log_expected_improvement(np.array([0.9]), np.array([0.0]), 0.5)[0] == -math.inf


def test_xi_shifts_the_threshold() -> None:
    a = expected_improvement(np.array([0.0]), np.array([1.0]), 0.5, xi=0.1)
    b = expected_improvement(np.array([0.0]), np.array([1.0]), 0.4)
    assert a[0] == pytest.approx(b[0])


@pytest.mark.parametrize("mean", [-3.0, 0.0, 0.5, 2.0, 5.0, 12.0, 40.0, 300.0, 3000.0])
def test_log_ei_matches_high_precision_reference(mean: float) -> None:
    sd, best = 1.3, 0.5
    got = log_expected_improvement(np.array([mean]), np.array([sd * sd]), best)[0]
    reference = _ei_reference(mean, sd, best)
    want = float(reference.context.log(reference))
    assert math.isfinite(got)
    assert got == pytest.approx(want, rel=1e-6, abs=1e-9)


def test_log_ei_equals_log_of_ei_where_ei_is_representable() -> None:
    rng = np.random.default_rng(0)
    mean, var = rng.normal(0, 2, 200), rng.uniform(0.01, 3, 200)
    ei = expected_improvement(mean, var, 0.1)
    np.testing.assert_allclose(np.exp(log_expected_improvement(mean, var, 0.1)), ei, rtol=1e-8)


def test_log_ei_keeps_ranking_where_ei_underflows() -> None:
    mean = np.array([50.0, 60.0, 70.0])
    assert np.all(expected_improvement(mean, np.ones(3), 0.0) == 0.0)
    log_ei = log_expected_improvement(mean, np.ones(3), 0.0)
    assert np.all(np.isfinite(log_ei)) and log_ei[0] > log_ei[1] > log_ei[2]
