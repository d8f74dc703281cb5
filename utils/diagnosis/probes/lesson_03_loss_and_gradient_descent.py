"""Probes for lesson 03: costs, their gradients, gradient descent, logistic regression."""

import numpy as np

from ..observe import Call

_rng = np.random.default_rng(9003)
_A, _B = _rng.normal(size=5), _rng.normal(size=5)
_M, _N = _rng.normal(size=(3, 2)), _rng.normal(size=(3, 2))
_P = np.array([0.9, 0.2, 0.6, 0.35])
_Y = np.array([1, 0, 0, 1])
_X = np.array([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [1.0, 1.0], [-1.2, -0.4]])
_YX = np.array([1, 1, 0, 1, 0])


def _bowl(w):
    """The gradient of (w0 - 1)^2 + 3 (w1 + 2)^2."""
    w = np.asarray(w, dtype=float)
    return np.array([2 * (w[0] - 1), 6 * (w[1] + 2)])


def _flat_then_bowl(w):
    """A gradient that vanishes at the start (a plateau), then pulls towards 1."""
    w = np.asarray(w, dtype=float)
    return np.where(np.abs(w) < 1e-9, 0.0, 2 * (w - 1))


PROBES = {
    "mse": [
        Call(_A, _B),
        Call(_M, _N),
        Call(np.array([3, 1, 2]), np.array([1, 1, 1])),
        Call(np.array([[2.0], [-1.0]]), np.array([[0.0], [0.0]])),
    ],
    "mse_grad": [
        Call(_A, _B),
        Call(_M, _N),
        Call(np.array([3, 1, 2]), np.array([1, 1, 1])),
        Call(np.array([[2.0], [-1.0]]), np.array([[0.0], [0.0]])),
    ],
    "binary_cross_entropy": [
        Call(_P, _Y),
        Call(np.array([0.0, 1.0, 0.5]), np.array([0, 1, 1])),
        Call(np.array([1.0, 0.0]), np.array([0, 1])),
        Call(np.array([0.3, 0.7, 0.7]), np.array([0, 1, 0]), eps=1e-3),
        Call(np.array([0.0, 0.25, 0.0]), np.array([0, 1, 0])),  # p = 0 but never p = 1: log(1 - p) is safe
    ],
    "gradient_descent": [
        Call(_bowl, np.array([3.0, 0.0]), 0.1, 4),
        Call(_bowl, np.array([0.0, 0.0]), 0.05, 1),
        Call(_flat_then_bowl, np.array([0.0, 2.0]), 0.25, 3),
        Call(_bowl, np.array([1, -2]), 0.1, 2),
    ],
    "logistic_regression_fit": [
        Call(_X, _YX, lr=0.5, epochs=3),
        Call(_X[:3], _YX[:3], lr=0.1, epochs=1),
        Call(_X.astype(int), _YX, lr=1.0, epochs=2),
    ],
}
