"""Small 2-D data sets for pictures and playgrounds: logic gates, circles, XOR, blobs, spirals.

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


def circles(n=200, noise=0.1, factor=0.5, seed=0):
    """Two concentric rings: class 0 outside (radius 1), class 1 inside (radius `factor`)."""
    rng = np.random.default_rng(seed)
    n_inner = n // 2
    n_outer = n - n_inner
    angles = rng.uniform(0, 2 * np.pi, n)
    radii = np.r_[np.ones(n_outer), np.full(n_inner, factor)]
    X = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    X += rng.normal(0.0, noise, X.shape)
    return X, np.r_[np.zeros(n_outer, int), np.ones(n_inner, int)]


def xor_cloud(n=200, noise=0.1, seed=0):
    """Points in the four quadrants of [-1.1, 1.1]^2; class 1 where the two signs differ (XOR).

    Half of the points (give or take one) are in each class.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    # Class 0 lives in quadrants (+,+) and (-,-); class 1 in (+,-) and (-,+).
    first = rng.choice([-1.0, 1.0], size=n)
    second = np.where(y == 1, -first, first)
    # Magnitudes in [0.1, 1.1]: a margin around the axes keeps the clean classes apart.
    X = np.column_stack([first, second]) * rng.uniform(0.1, 1.1, size=(n, 2))
    return X + rng.normal(0.0, noise, X.shape), y.astype(int)


def blobs(n=200, noise=0.1, centers=((-1.0, -1.0), (1.0, 1.0)), seed=0):
    """Gaussian blobs, one class per centre; `noise` scales the spread (std = 0.3 + 3 * noise)."""
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, dtype=float)
    y = np.arange(n) % len(centers)
    X = centers[y] + rng.normal(0.0, 0.3 + 3 * noise, size=(n, 2))
    return X, y.astype(int)


def spirals(n=200, noise=0.1, turns=1.5, seed=0):
    """Two interleaved spirals (class 0 and class 1), each winding `turns` times."""
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    def arm(m, phase):
        t = np.sqrt(rng.uniform(0, 1, m)) * turns * 2 * np.pi
        r = t / (turns * 2 * np.pi)
        return np.column_stack([r * np.cos(t + phase), r * np.sin(t + phase)])
    X = np.vstack([arm(n0, 0.0), arm(n1, np.pi)])
    X += rng.normal(0.0, noise, X.shape)
    return X, np.r_[np.zeros(n0, int), np.ones(n1, int)]


DATASETS = {"circles": circles, "xor": xor_cloud, "blobs": blobs, "spirals": spirals}


def make_dataset(name, n=200, noise=0.1, seed=0):
    """One of DATASETS by name: X (n, 2), y (n,) in {0, 1}."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[name](n=n, noise=noise, seed=seed)
