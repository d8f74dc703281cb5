"""Probes for lesson 05: layers and their caches, the MLP's passes, SGD, fit and He initialisation.

Where correct answers may differ (the ReLU cache may hold Z or A; init_params may draw from a
normal or a uniform distribution; fit may draw its batches in any way from its seed), the
probes observe only what every correct answer shares: where the cache is positive, the spread
and shape of the weights, whether runs repeat, and full-batch runs, which are deterministic.
"""

import numpy as np

from ..observe import Call, Probe

_rng = np.random.default_rng(9005)
_X43 = _rng.normal(size=(4, 3))
_W32 = _rng.normal(size=(3, 2))
_b2 = _rng.normal(size=2)
_X33 = _rng.normal(size=(3, 3))
_W33 = _rng.normal(size=(3, 3))
_b3 = _rng.normal(size=3)
_dZ42 = _rng.normal(size=(4, 2))
_dZ33 = _rng.normal(size=(3, 3))
_Z = np.array([[-1.5, 0.0, 2.25], [0.75, -0.3, 0.0]])
_dA = np.array([[0.4, -1.2, 0.9], [-0.6, 2.0, 1.1]])


def _net(sizes, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(a, b)), rng.normal(size=b) * 0.5) for a, b in zip(sizes[:-1], sizes[1:])]


def _copied(params):
    return [(W.copy(), b.copy()) for W, b in params]


def _caches(X, params, seed):
    """Caches in the layout mlp_backward expects (((input, W, b), pre-activation or None) per layer),
    with made-up pre-activations: a backward pass needs no forward pass to be probed, and the
    student's copy of the course must not hold one. Each layer's input is the ReLU of the last
    layer's made-up pre-activation, as in a real network."""
    rng = np.random.default_rng(seed)
    layers, inputs = [], X
    for depth, (weights, bias) in enumerate(params):
        hidden = None if depth == len(params) - 1 else rng.normal(size=(len(X), weights.shape[1]))
        layers.append(((inputs, weights, bias), hidden))
        if hidden is not None:
            inputs = hidden * (hidden > 0)
    return layers


_NET = _net([3, 4, 5, 2], 51)
_NET_SQUARE = _net([3, 3, 3], 52)
_X_NET = _rng.normal(size=(4, 3))
_X_SQUARE = _rng.normal(size=(3, 3))


# ---- relu_forward and mlp_forward: where the ReLU cache is positive, not its numbers --------------

def _positive(cache):
    return None if cache is None else np.asarray(cache) > 0


def _relu_forward(Z):
    def run(relu_forward):
        z = Z.copy()
        A, cache = relu_forward(z)
        return {"A": A, "cache > 0": _positive(cache), "Z changed": not np.array_equal(z, Z)}
    return run


def _cache_facts(cache):
    if isinstance(cache, tuple) and len(cache) == 2:
        linear, relu = cache
        return {"linear": linear, "relu > 0": _positive(relu)}
    return {"not a pair": cache}


def _mlp_forward(X, params):
    def run(mlp_forward):
        x, p = X.copy(), _copied(params)
        out, caches = mlp_forward(x, p)
        unchanged = np.array_equal(x, X) and all(np.array_equal(W, V) and np.array_equal(b, c)
                                                 for (W, b), (V, c) in zip(p, params))
        return {"out": out, "caches": [_cache_facts(c) for c in caches], "inputs unchanged": unchanged}
    return run


# ---- sgd_step: which arrays change, and what comes back ------------------------------------------

def _sgd_in_place(sgd_step):
    params, grads = _copied(_NET), _net([3, 4, 5, 2], 53)
    new = sgd_step(params, grads, 0.1)
    return {"W changed": [not np.array_equal(W, V) for (W, _), (V, _) in zip(params, _NET)],
            "b changed": [not np.array_equal(b, c) for (_, b), (_, c) in zip(params, _NET)],
            "indexable": hasattr(new, "__getitem__"), "length": len(new) if hasattr(new, "__len__") else -1}


# ---- fit: full batches are deterministic; smaller batches are judged by what repeats ----------------

_X_FIT = _rng.normal(size=(8, 2))
_Y_FIT = (_X_FIT[:, 0] - _X_FIT[:, 1] > 0).astype(int)
_P_FIT = _net([2, 3, 1], 54)
_EYE = np.eye(5)
_Y_EYE = np.array([1, 0, 1, 1, 0])


def _one_layer():
    return [(np.zeros((5, 1)), np.zeros(1))]


def _examples_used(params):
    """With one-hot inputs and one linear layer, a step on example i changes W[i] only."""
    return frozenset(np.flatnonzero(np.asarray(params[0][0], dtype=float)[:, 0]).tolist())


def _fit_batches(fit):
    """Batches of one on one-hot inputs: which examples each run used, run twice with one seed."""
    np.random.seed(5)  # a fit that draws from np.random gets a known state (observe() puts it back)
    used = [_examples_used(fit(_one_layer(), _EYE, _Y_EYE, steps=3, lr=0.5, batch_size=1, seed=s)[0])
            for s in range(6)]
    again = [_examples_used(fit(_one_layer(), _EYE, _Y_EYE, steps=3, lr=0.5, batch_size=1, seed=s)[0])
             for s in range(6)]
    return {"some run used two examples": any(len(u) > 1 for u in used),
            "the same seed, the same examples": used == again,
            "other seeds, other examples": len(set(used)) > 1}


def _fit_repeats(fit):
    """Two runs with one seed end with the same parameters; other seeds end elsewhere."""
    np.random.seed(6)
    runs = [fit(_copied(_P_FIT), _X_FIT, _Y_FIT, steps=4, lr=0.4, batch_size=3, seed=s)[0] for s in (7, 7, 8, 9)]
    flat = [np.concatenate([np.ravel(np.asarray(a, dtype=float)) for layer in run for a in layer]) for run in runs]
    return {"the same seed, the same run": bool(np.allclose(flat[0], flat[1])),
            "other seeds, other runs": not all(np.allclose(flat[0], f) for f in flat[2:])}


# ---- init_params: shapes, spread, repeats, never the numbers --------------------------------------

def _spread(init_params):
    """Each layer's weight spread in units of sqrt(2 / fan_in), to one decimal (the layers are large)."""
    params = init_params([400, 100, 250], seed=11)
    return {"shapes": [[list(np.shape(W)), list(np.shape(b))] for W, b in params],
            "spread": [round(float(np.std(W)) / np.sqrt(2 / np.shape(W)[0]), 1) for W, _ in params],
            "mean near 0": [bool(abs(np.mean(W)) < 0.1 * np.sqrt(2 / np.shape(W)[0])) for W, _ in params],
            "biases zero": [not np.any(b) for _, b in params],
            "distinct weights": [len(np.unique(W)) for W, _ in params] == [W.size for W, _ in params]}


def _repeats(init_params):
    before = np.random.get_state()[1].copy()
    square = init_params([6, 6, 6, 6], seed=3)
    global_untouched = np.array_equal(np.random.get_state()[1], before)
    again = init_params([6, 6, 6, 6], seed=3)
    other = init_params([6, 6, 6, 6], seed=4)
    return {"global np.random untouched": global_untouched,
            "the same seed, the same weights": all(np.array_equal(W, V) for (W, _), (V, _) in zip(square, again)),
            "another seed, other weights": not np.array_equal(square[0][0], other[0][0]),
            "layers of one shape differ": not np.array_equal(square[0][0], square[1][0]),
            "shapes": [list(np.shape(W)) for W, _ in square]}


PROBES = {
    "init_params": [
        Probe("spread of a 400-100-250 network", _spread),
        Probe("seeds and layers of one shape", _repeats),
        Probe("(3, 2)", lambda init_params: [[list(np.shape(W)), list(np.shape(b))] for W, b in init_params((3, 2))]),
    ],
    "linear_forward": [
        Call(_X43, _W32, _b2),
        Call(_X33, _W33, _b3),
        Call(_X43[:1], _W32, _b2),
    ],
    "linear_backward": [
        Call(_dZ42, (_X43, _W32, _b2)),
        Call(_dZ33, (_X33, _W33, _b3)),
        Call(_dZ42[:1], (_X43[:1], _W32, _b2)),
    ],
    "relu_forward": [
        Probe("a (2, 3) Z with zeros", _relu_forward(_Z)),
        Probe("a column with ties at 0", _relu_forward(np.array([[0.0], [-2.5], [0.0], [1e-3]]))),
    ],
    "relu_backward": [
        Call(_dA, _Z),
        Call(_dA[:, :2], np.array([[3, -1], [0, 2]])),
    ],
    "mlp_forward": [
        Probe("a 3-4-5-2 network, 4 examples", _mlp_forward(_X_NET, _NET)),
        Probe("a 3-3-3 network", _mlp_forward(_X_SQUARE, _NET_SQUARE)),
        Probe("one layer", _mlp_forward(_X_NET, _NET[:1])),
    ],
    "mlp_backward": [
        Call(_rng.normal(size=(4, 2)), _caches(_X_NET, _NET, 55)),
        Call(_rng.normal(size=(3, 3)), _caches(_X_SQUARE, _NET_SQUARE, 56)),
        Call(_rng.normal(size=(1, 2)), _caches(_X_NET[:1], _NET, 57)),
    ],
    "sgd_step": [
        Call(_NET, _net([3, 4, 5, 2], 55), 0.2),
        Probe("which arrays change", _sgd_in_place),
    ],
    "fit": [
        Call(_P_FIT, _X_FIT, _Y_FIT, steps=3, lr=0.5, batch_size=20, X_test=_X_FIT[:3], y_test=_Y_FIT[:3], seed=4),
        Call(_P_FIT, _X_FIT, _Y_FIT, steps=0, lr=0.5),
        Probe("batches of one on one-hot inputs", _fit_batches),
        Probe("seeds", _fit_repeats),
    ],
}
