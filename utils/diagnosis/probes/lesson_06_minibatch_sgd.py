"""Probes for lesson 06: mini-batches, momentum, Adam and the cosine schedule.

iterate_minibatches may shuffle in any way its rng allows, so a shuffled epoch is observed
only through what every correct answer shares (batch sizes, rows kept with their labels,
every example once, repeatable from a seed); without shuffling the batches themselves are
compared.
"""

import numpy as np

from ..observe import Call, Probe

_N = 11
_X = np.arange(_N)[:, None] * np.array([1.0, -10.0]) + 0.25  # row i identifies example i
_Y = np.arange(_N) * 3 + 1  # and its label is 3 i + 1


def _epoch(iterate_minibatches, batch_size, shuffle=True, seed=None, rng=None):
    X, y = _X.copy(), _Y.copy()
    if rng is None and seed is not None:
        rng = np.random.default_rng(seed)
    batches = [(np.asarray(a), np.asarray(b)) for a, b in iterate_minibatches(X, y, batch_size, shuffle=shuffle, rng=rng)]
    labels = np.concatenate([b.ravel() for _, b in batches]) if batches else np.zeros(0, dtype=int)
    order = (labels - 1) // 3
    return {"X sizes": [len(a) for a, _ in batches], "y sizes": [len(b) for _, b in batches],
            "rows": [list(np.shape(a)[1:]) == [2] for a, _ in batches],
            "pairs kept": all(len(a) == len(b) and np.array_equal(a, _X[(b - 1) // 3]) for a, b in batches),
            "every example once": sorted(order.tolist()) == list(range(_N)),
            "in the given order": order.tolist() == list(range(_N)),
            "X, y unchanged": np.array_equal(X, _X) and np.array_equal(y, _Y)}, order.tolist()


def _facts(batch_size, **kwargs):
    def run(iterate_minibatches):
        return _epoch(iterate_minibatches, batch_size, **kwargs)[0]
    return run


def _repeats(iterate_minibatches):
    """One seed twice, other seeds, and one rng object for two epochs."""
    np.random.seed(61)  # an answer that draws from np.random gets a known state (observe() puts it back)
    first = _epoch(iterate_minibatches, 4, seed=21)[1]
    again = _epoch(iterate_minibatches, 4, seed=21)[1]
    others = [_epoch(iterate_minibatches, 4, seed=s)[1] for s in (22, 23)]
    rng = np.random.default_rng(24)
    one, two = _epoch(iterate_minibatches, 4, rng=rng)[1], _epoch(iterate_minibatches, 4, rng=rng)[1]
    return {"the same seed, the same order": first == again,
            "other seeds, other orders": any(o != first for o in others),
            "two epochs of one rng differ": one != two}


_rng = np.random.default_rng(9006)
_W = _rng.normal(size=(2, 3))
_DW = _rng.normal(size=(2, 3))
_V = _rng.normal(size=(2, 3)) * 0.5
_M = _rng.normal(size=(2, 3)) * 0.1
_S = _rng.random(size=(2, 3)) * 0.1

PROBES = {
    "iterate_minibatches": [
        Probe("11 examples, batches of 4, shuffled", _facts(4, seed=13)),
        Probe("11 examples, batches of 5, in order", _facts(5, shuffle=False, seed=14)),
        Probe("batches of 11 (= n), shuffled", _facts(11, seed=15)),
        Probe("batches of 20 (> n), in order", _facts(20, shuffle=False)),
        Probe("seeds and epochs", _repeats),
    ],
    "momentum_update": [
        Call(_W, _DW, _V, 0.1, beta=0.6),
        Call(_W, _DW, np.zeros((2, 3)), 0.05),
        Call(np.array([1.5, -0.5]), np.array([0.25, 2.0]), np.array([-1.0, 0.4]), 0.3),
    ],
    "adam_update": [
        Call(_W, _DW, _M, _S, 3),
        Call(_W, _DW, _M, _S, 2, lr=0.02, beta1=0.2, beta2=0.3, eps=0.01),
        Call(np.zeros(3), np.array([3e-9, -1e-9, 0.0]), np.zeros(3), np.zeros(3), 1, lr=0.5),
        Call(_W, _DW, np.zeros((2, 3)), np.zeros((2, 3)), 1, lr=0.1),
    ],
    "cosine_lr": [
        Call(9, 36, 0.4, 0.05),
        Call(np.array([0, 6, 12, 18, 24, 30, 36]), 24, 1.5),
        Call(np.array([[3, 50], [11, 22]]), 22, 0.8, 0.1),
        Call(30, 30, 0.25, 0.01),
        Call(45, 30, 0.25, 0.01),
    ],
}
