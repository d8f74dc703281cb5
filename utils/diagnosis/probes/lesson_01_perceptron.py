"""Probes for lesson 01: the weighted sum, the step, the perceptron's prediction and training rule."""

import numpy as np

from ..observe import Call, Probe

_rng = np.random.default_rng(9001)
_X = _rng.normal(size=(4, 3))
_W = np.array([0.8, -0.3, 1.1])
_X5 = _rng.normal(size=(5, 3))

# Rows whose weighted sum with w = (1, 1) and b = -3 is exactly 0 (the first and the last two) or
# negative (the bias alone makes the second and fourth negative).
_EDGE = np.array([[1.0, 2.0], [0.5, 1.0], [2.5, 0.5], [1.0, 0.5], [1.5, 1.5]])

# Training sets: an order-sensitive, not separable one; integers with a fractional rate; a separable
# one learnt within the first epochs (the later epochs make no mistake).
_XT = np.array([[1.5, -0.5], [-1.0, 2.0], [0.5, 1.0], [-2.0, -0.5], [1.0, 1.5], [-0.5, -1.5]])
_YT = np.array([1, 0, 0, 0, 1, 1])
_XI = np.array([[2, 0], [0, 3], [1, 1], [3, 2]])
_YI = np.array([0, 0, 1, 1])
_XS = np.array([[2.0, 1.0], [-1.0, -2.0], [1.0, 2.0], [-2.0, -1.0]])
_YS = np.array([1, 0, 1, 0])



def _finite_part_after_nan(step):
    """step on (nan, 2): only the finite entry is compared, and whether a warning was raised.

    A nan that reaches an integer cast warns ("invalid value encountered in cast") on every
    platform, but the integer it becomes differs between processors, so it is left out.
    """
    return np.asarray(step(np.array([np.nan, 2.0])))[1:]


PROBES = {
    "weighted_sum": [
        Call(_X, _W, 0.4),
        Call(_X[1], _W, -1.2),
        Call(np.array([[2, -1, 0], [1, 1, 1]]), _W, 0.0),
    ],
    "step": [
        Call(np.array([[-2.5, 0.3], [4.0, -1e-9]])),
        Call(np.array([0.0, -0.0, 1.0])),
        Call(-0.5),
        Probe("array([nan, 2.0]), the finite entry", _finite_part_after_nan),
    ],
    "perceptron_predict": [
        Call(_X5, _W, 0.3),
        Call(_EDGE, np.array([1.0, 1.0]), -3.0),
        Call(np.array([0.5, 1.0, 0.5]), _W, -1.0),
    ],
    "perceptron_train": [
        Call(_XT, _YT, lr=0.5, epochs=4),
        Call(_XI, _YI, lr=0.25, epochs=5),
        Call(_XS, _YS, lr=1.0, epochs=4),
    ],
}
