"""Probes for lesson 08: the train/validation split, the L2 penalty and its gradient, inverted
dropout forward and backward, and early stopping.

Which examples a split or a dropout mask picks depends on how the random numbers are drawn,
and right answers may draw differently. So the split and dropout_forward in training mode are
observed through what every right answer shares (sizes, a true partition, labels with their rows,
the scale of the kept units, the same mask from the same seed...), never through the picks.
"""

import numpy as np

from ..observe import Call, Probe

_rng = np.random.default_rng(9008)

# --- train_val_split --------------------------------------------------------------------

_N = 200  # many examples: a sample drawn with replacement repeats one of them almost surely


def _data(n=_N):
    """X whose row i starts with i, and a distinct label 1000 + i for each row."""
    rows = np.arange(n)
    return np.column_stack([rows * 1.0, 3.0 - 0.5 * rows]), 1000 + rows


def _fact(compute):
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - a fact that cannot be computed is itself a fact
        return f"cannot tell ({type(exc).__name__})"


def _split_facts(train_val_split, n=_N, **kwargs):
    """What one split shows: shapes, sizes, a partition, labels kept with rows, a random sample, inputs left alone."""
    X, y = _data(n)
    out = train_val_split(X, y, **kwargs)
    facts = {"kind": type(out).__name__, "parts": _fact(lambda: len(out))}
    parts = [np.asarray(a) for a in out]
    facts["ndim of each part"] = [p.ndim for p in parts]
    X_tr, X_va, y_tr, y_va = parts
    ids_tr, ids_va = (lambda: X_tr[:, 0].astype(int)), (lambda: X_va[:, 0].astype(int))
    facts["validation share"] = _fact(lambda: len(X_va) / n)
    facts["sizes add up"] = _fact(lambda: len(X_tr) + len(X_va) == n)
    facts["every example exactly once"] = _fact(lambda: sorted(np.concatenate([ids_tr(), ids_va()]).tolist()) == list(range(n)))
    facts["labels stay with their rows"] = _fact(lambda: bool(np.array_equal(y_tr, 1000 + ids_tr()) and np.array_equal(y_va, 1000 + ids_va())))
    facts["validation = first or last rows"] = _fact(lambda: set(ids_va().tolist()) in ({*range(len(X_va))}, {*range(n - len(X_va), n)}))
    X0, y0 = _data(n)
    facts["X changed"], facts["y changed"] = not np.array_equal(X, X0), not np.array_equal(y, y0)
    return facts


def _split(**kwargs):
    label = ", ".join(f"{k}={v}" for k, v in kwargs.items()) or "the defaults"
    return Probe(f"{_N} examples, {label}", lambda f: _split_facts(f, **kwargs))


def _validation_ids(train_val_split, seed):
    X, y = _data()
    return set(np.asarray(train_val_split(X, y, val_fraction=0.25, seed=seed)[1])[:, 0].astype(int).tolist())


def _seeds(train_val_split):
    return {"seed 3 twice: the same split": _validation_ids(train_val_split, 3) == _validation_ids(train_val_split, 3),
            "seeds 3 and 4: another split": _validation_ids(train_val_split, 3) != _validation_ids(train_val_split, 4)}


# --- l2_penalty, l2_grad, dropout_backward -------------------------------------------------

_TWO_LAYERS = [(_rng.normal(size=(3, 4)), _rng.normal(size=4)), (_rng.normal(size=(4, 2)), _rng.normal(size=2))]
_THREE_LAYERS = [(_rng.normal(size=(2, 3)), _rng.normal(size=3)), (_rng.normal(size=(3, 3)), _rng.normal(size=3)),
                 (2.0 * _rng.normal(size=(3, 1)), _rng.normal(size=1))]
_INT_LAYER = [(np.array([[2, -1, 0], [1, 3, -2]]), np.array([4, -4, 1]))]
_W = _rng.normal(size=(2, 3))
_DOUT = _rng.normal(size=(3, 4))


def _call(label, *args, **kwargs):
    """Call(*args, **kwargs) under a label of our own (lists of layers and generators have no short, stable repr)."""
    call = Call(*args, **kwargs)
    call.label = label
    return call


# --- dropout_forward ------------------------------------------------------------------------

_A = 0.5 + _rng.random(size=(20, 100))  # 2000 positive activations; 100 units, so even one draw per unit drops about p of them


def _masks(dropout_forward, p, seed):
    out, mask = dropout_forward(_A.copy(), p, np.random.default_rng(seed))
    return np.asarray(out), np.asarray(mask)


def _dropout_facts(p, seed):
    """What inverted dropout in training mode shows, whatever way the random numbers are drawn."""
    def run(dropout_forward):
        A = _A.copy()
        dropped, mask = dropout_forward(A, p, np.random.default_rng(seed))
        out, mask = np.asarray(dropped), np.asarray(mask)
        kept = mask[mask != 0]
        shared = np.random.default_rng(seed + 1)
        first, second = dropout_forward(_A[:6, :7].copy(), p, shared), dropout_forward(_A[:6, :7].copy(), p, shared)
        return {
            "shapes": [out.shape, mask.shape],
            "mask kind": mask.dtype.kind,
            "share dropped within 0.15 of p": bool(abs(np.mean(mask == 0) - p) < 0.15),
            "share dropped within 0.15 of 1 - p": bool(abs(np.mean(mask == 0) - (1 - p)) < 0.15),
            "scale of the kept units": np.unique(np.round(kept.astype(float), 4)),
            "out = A * mask": bool(np.allclose(out, _A * mask)),
            "every row the same pattern": bool(np.all(mask == mask[:1])),
            "A changed": not np.array_equal(A, _A),
            "the same seed again: the same mask": bool(np.array_equal(_masks(dropout_forward, p, seed)[1], mask)),
            "another seed: another mask": not np.array_equal(_masks(dropout_forward, p, seed + 7)[1], mask),
            "one generator, two calls: two masks": not np.array_equal(np.asarray(first[1]), np.asarray(second[1])),
        }
    return Probe(f"A (20, 100), p={p}, training", run)


def _test_time(dropout_forward):
    """training=False with a generator at hand: nothing dropped, nothing scaled."""
    A = _A[:8, :9].copy()
    dropped, mask = dropout_forward(A, 0.4, np.random.default_rng(12), training=False)
    out, mask = np.asarray(dropped), np.asarray(mask)
    return {"out = A": bool(np.array_equal(out, _A[:8, :9])),
            "mask values": np.unique(mask),
            "shapes": [out.shape, mask.shape],
            "A changed": not np.array_equal(A, _A[:8, :9])}


PROBES = {
    "train_val_split": [
        _split(val_fraction=0.25, seed=3),
        _split(val_fraction=0.5, seed=8),
        _split(),
        Probe("seeds 3 and 4", _seeds),
    ],
    "l2_penalty": [
        _call("two layers, lam=0.3", _TWO_LAYERS, 0.3),
        _call("three layers, lam=1.0", _THREE_LAYERS, 1.0),
        _call("one layer of ints, lam=2", _INT_LAYER, 2),
    ],
    "l2_grad": [
        Call(_W, 0.4),
        Call(np.array([[3, -1], [0, 2]]), 0.5),
        Call(np.array([-2.0, 0.5, 4.0]), 3),
    ],
    "dropout_forward": [
        _dropout_facts(0.3, 41),
        _dropout_facts(0.8, 43),
        Probe("A (8, 9), p=0.4, not training", _test_time),
        _call("A (3, 4), p=0, training", _DOUT, 0.0, np.random.default_rng(44)),
    ],
    "dropout_backward": [
        Call(_DOUT, np.where(_rng.random(size=(3, 4)) < 0.25, 0.0, 1 / 0.75)),
        Call(_DOUT[:2], np.array([[2.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.0]])),
        Call(np.array([[3, -1], [2, 4]]), np.array([[0.0, 5.0], [5.0, 5.0]])),
        Call(_DOUT[:1], np.ones((1, 4))),
        Call(_DOUT[1:], np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]])),  # zeros and ones only
    ],
    "early_stopping_epoch": [
        Call([4.0, 3.0, 3.5, 3.6, 3.7, 2.0], 2),      # stops at epoch 3, a lower loss comes later
        Call([3.0, 2.0, 2.5, 2.6], 5),                # never stops
        Call([4.0, 3.0, 3.5, 3.6, 2.9], 2),           # the better epoch 4 comes one epoch too late
        Call([4.0, 3.0, 3.5, 2.9, 3.3], 2),           # the better epoch 3 comes just in time
        Call([3.0, 2.0, 2.0, 2.0, 1.0], 2),           # ties are no improvement
        Call([5.0, 4.0, 4.5, 3.9, 4.2, 3.8], 2),      # the count restarts at every new best
        Call((3.0, 1.0, 2.0, 1.5, 2.5, 0.5), 3),      # better than the epoch before is not a new best
        Call(np.array([6, 5, 5, 7, 4]), 1),           # integer losses in an array
        Call([0.4], 3),
    ],
}
