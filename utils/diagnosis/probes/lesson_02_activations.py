"""Probes for lesson 02: activation functions, their slopes, and collapsing a stack of linear layers.

The lesson asks for activations that never overflow. An exponential that overflows far out
returns the right number anyway (1 / (1 + inf) is 0), so `_strict` probes call the function
with floating-point overflow, invalid operations and division by zero turned into errors, as
the hidden tests do, and observe the kind of error (underflow, harmless, is ignored).
"""

import numpy as np

from ..observe import Call, Probe

_rng = np.random.default_rng(9002)
_Z = _rng.normal(0.0, 3.0, size=(2, 4))
_SIGNS = np.array([-1.75, -0.25, 0.0, 0.5, 2.0])  # negatives, a zero, positives (one below alpha = 0.6)
_NAN = np.array([np.nan, -1.0, 1.0])  # a comparison with nan is False; np.heaviside and np.sign keep the nan


def _strict(*args, **kwargs):
    """A probe: the function on these arguments, floating-point trouble raised; the error's kind, or the result."""
    def run(function):
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            try:
                return function(*[np.array(a) for a in args], **kwargs)
            except FloatingPointError as error:
                return "floating-point " + str(error).split(" encountered")[0]
    label = ", ".join(repr(a) for a in args) + " (floating-point errors raised)"
    return Probe(label, run)


def _stack(sizes, seed):
    """A probe: collapse_linear_layers on random layers of these sizes (lists of weights and biases)."""
    rng = np.random.default_rng(seed)
    layer_weights = [rng.normal(size=(d_in, d_out)) for d_in, d_out in zip(sizes[:-1], sizes[1:])]
    layer_biases = [rng.normal(size=d_out) for d_out in sizes[1:]]
    call = Call(layer_weights, layer_biases)
    call.label = "layers " + " -> ".join(map(str, sizes))
    return call


# For the sigmoid, tanh and their slopes: values, integers in, and overflow far out on either side.
_SMOOTH = [
    Call(_Z),
    Call(np.array([-4, 0, 1])),
    _strict([-750.0, -1.0]),
    _strict([750.0, 0.5]),
    Call(np.array([-750.0, 750.0])),
]

PROBES = {
    "sigmoid": [*_SMOOTH, Call(-2.5)],
    "sigmoid_grad": _SMOOTH,
    "tanh": _SMOOTH,
    "tanh_grad": _SMOOTH,
    "relu": [
        Call(_Z),
        Call(_SIGNS),
        Call(-1.5),
        Call(2.25),
    ],
    "relu_grad": [
        Call(_Z),
        Call(_SIGNS),
        Call(np.array([0.0, -0.0])),
        Call(_NAN),
        Call(-1.5),
    ],
    "leaky_relu": [
        Call(_SIGNS, alpha=0.6),
        Call(_Z),
        Call(_Z, 0.2),
        Call(-3.0, alpha=0.1),
        Call(np.array([0.05, 1.5]), alpha=0.3),
    ],
    "leaky_relu_grad": [
        Call(_SIGNS, alpha=0.6),
        Call(_Z),
        Call(np.array([0.0, -2.0, 3.0]), 0.3),
        Call(0.0, alpha=0.15),
    ],
    "collapse_linear_layers": [
        _stack([3, 4, 2, 5], 11),
        _stack([2, 3], 12),
        _stack([4, 4, 4], 13),
    ],
}
