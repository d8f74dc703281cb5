"""Probes for lesson 07: one-hot labels, softmax, cross-entropy, its gradient, accuracy,
a network's cost and gradients, and one epoch of mini-batch SGD."""

import numpy as np

from ..observe import Call, Probe

_rng = np.random.default_rng(9007)
_Z = _rng.normal(0, 2, size=(2, 3))  # (n, K) with n != K: the axes cannot be swapped unnoticed
_SQUARE = _rng.normal(0, 2, size=(3, 3))  # n == K: a wrong axis still runs
_HUGE = np.array([[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0]])  # large logits; rows far apart
_WIDE = np.array([[-800.0, 800.0, 0.0]])  # a row whose mean is far below its maximum

_E = np.exp(_rng.normal(size=(3, 4)))
_PROBS = _E / _E.sum(axis=1, keepdims=True)
_HOPELESS = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])  # the right class gets 0 in row 0

_SCORES = _rng.normal(size=(5, 3))
_SCORES_Y = np.array([np.argmax(_SCORES[0]), 0, 1, np.argmax(_SCORES[3]), 2])
_TWO = np.array([[2.0, 1.0], [0.2, 0.9], [-1.0, -3.0], [0.6, 0.4]])  # two classes, scores not probabilities

# A tiny ReLU network 3 -> 4 -> 3 and a one-layer one, from fixed numbers.
_NET = [(_rng.normal(0, 0.8, size=(3, 4)), _rng.normal(0, 0.3, size=4)),
        (_rng.normal(0, 0.8, size=(4, 3)), _rng.normal(0, 0.3, size=3))]
_LINEAR = [(_rng.normal(0, 0.8, size=(2, 3)), _rng.normal(0, 0.3, size=3))]
_X = _rng.normal(size=(5, 3))
_Y = np.array([2, 0, 1, 2, 1])
_X8 = _rng.normal(size=(8, 3))
_Y8 = np.array([0, 2, 1, 1, 0, 2, 2, 1])


def _call(label, *args, **kwargs):
    """Call(*args, **kwargs) under a label of our own (a network or a generator has no short, stable repr)."""
    call = Call(*args, **kwargs)
    call.label = label
    return call


def _net():
    return [(W.copy(), b.copy()) for W, b in _NET]


def _same(a, b):
    """Two train_epoch results (params, costs) alike to within rounding."""
    (pa, ca), (pb, cb) = a, b
    if len(pa) != len(pb) or len(ca) != len(cb) or not np.allclose(np.asarray(ca, dtype=float), np.asarray(cb, dtype=float)):
        return False
    return all(np.allclose(Wa, Wb) and np.allclose(ba, bb) for (Wa, ba), (Wb, bb) in zip(pa, pb))


def _epochs(batch_size, seed, runs=3):
    """train_epoch with mini-batches, run three times from the same seed: its result when the runs agree."""
    def run(train_epoch):
        results = [train_epoch(_net(), _X8.copy(), _Y8.copy(), 0.4, batch_size, np.random.default_rng(seed))
                   for _ in range(runs)]
        if all(_same(results[0], other) for other in results[1:]):
            return results[0]
        return "different results from the same seed"
    return Probe(f"batches of {batch_size}, seed {seed}, three runs", run)


def _uses_rng(train_epoch):
    """Does train_epoch draw from the generator it is given?"""
    given = np.random.default_rng(31)
    before = given.bit_generator.state
    train_epoch(_net(), _X8.copy(), _Y8.copy(), 0.4, 3, given)
    return {"rng advanced": given.bit_generator.state != before}


PROBES = {
    "one_hot": [
        Call(np.array([0, 2, 1, 2]), 5),
        Call(np.array([0, 3]), 4),
        Call(np.array([4, 0, 1], dtype=np.uint8), 6),
        Call(np.array([2]), 3),
    ],
    "softmax": [
        Call(_Z),
        Call(_SQUARE),
        Call(_HUGE),
        Call(_WIDE),
        Call(np.array([[1, 3], [2, 2]])),
    ],
    "cross_entropy": [
        Call(_PROBS, np.array([3, 0, 1])),
        Call(_HOPELESS, np.array([0, 1, 2])),
        Call(_HOPELESS[:2], np.array([0, 0]), eps=1e-3),
        Call(_PROBS[:1], np.array([2])),
    ],
    "softmax_cross_entropy_backward": [
        Call(_Z, np.array([1, 0])),
        Call(_SQUARE, np.array([0, 2, 1])),
        Call(np.array([[1000.0, 0.0, -1000.0], [3.0, 1003.0, 0.0]]), np.array([0, 2])),
        Call(np.zeros((3, 2), dtype=int), np.array([1, 0, 1])),
    ],
    "accuracy": [
        Call(_SCORES, _SCORES_Y),
        Call(_SQUARE, np.array([0, 1, 2])),
        Call(_TWO, np.array([0, 1, 0, 1])),
    ],
    "mlp_loss_and_grads": [
        _call("network 3-4-3, 5 examples", _NET, _X, _Y),
        _call("one layer 2-3, 4 examples", _LINEAR, _X[:4, :2], np.array([1, 1, 0, 2])),
        _call("network 3-4-3, 1 example", _NET, _X[:1], np.array([1])),
    ],
    "train_epoch": [
        # one batch of all 8 examples: the order of the rows does not matter
        _call("network 3-4-3, 8 examples, one batch", _NET, _X8, _Y8, 0.4, 8, np.random.default_rng(17)),
        _epochs(3, 5),
        Probe("the rng given", _uses_rng),
    ],
}
