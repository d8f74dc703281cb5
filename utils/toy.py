"""Small 2-D data sets for pictures: logic gates now, more shapes in later lessons.

Every function returns (X, y): X of shape (n, 2) float, y of shape (n,) int.
Randomness only through the `seed` argument.
"""

import numpy as np

_GATES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
    "XOR": [0, 1, 1, 0],
}
GATES = tuple(_GATES)


def logic_gate(name):
    """The truth table of a two-input gate: X (4, 2) in {0, 1}, y (4,) in {0, 1}."""
    key = name.upper()
    if key not in _GATES:
        raise ValueError(f"unknown gate {name!r}; choose one of {', '.join(GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.array(_GATES[key], dtype=int)


def noisy_gate(name, n_per_corner=25, noise=0.15, seed=0):
    """A cloud of points around each corner of the gate's truth table: X (4 * n_per_corner, 2)."""
    X0, y0 = logic_gate(name)
    rng = np.random.default_rng(seed)
    X = np.repeat(X0, n_per_corner, axis=0) + rng.normal(0.0, noise, size=(4 * n_per_corner, 2))
    return X, np.repeat(y0, n_per_corner)
