"""Probes for lesson 10: the output-size formula, convolution, pooling and batch norm in numpy, a small CNN.

The numpy exercises are run under utils.torch_helpers.torch_calls, as the lesson's tests do, so that
an answer that hands the work to PyTorch shows itself even when its numbers are right. SmallCNN's
layers are the student's choice: only what every right answer shares is observed (the logits'
shape and dtype, examples kept apart, logits rather than probabilities, repeatable in eval mode,
convolutions present, a size within the stated bounds, every parameter used).
"""

import copy

import numpy as np
import torch

from .torch_probes import attempt, probe


def _numpy_only(label, *args, flags=(), **kwargs):
    """A probe: the result on copies of the arguments, whether it called PyTorch (and each of `flags`,
    PyTorch functions by name), and whether it changed its first argument."""

    def run(function):
        from ...torch_helpers import torch_calls  # the recorder the lesson's own tests use

        given = copy.deepcopy(args)
        out, calls = torch_calls(function, *given, **kwargs)
        found = {"out": out, "calls torch": bool(calls), "changes X": not np.array_equal(given[0], args[0])}
        for name in flags:
            found[f"calls {name}"] = name in calls
        return found

    return probe(label, run)


def _sizes(function):
    cases = [(9, 3), (10, 3, 2, 1), (11, 4, 0, 3), (13, 5, 1, 2), (8, 2, 3, 4)]
    return {"sizes": [float(function(*case)) for case in cases], "type": type(function(12, 3, 1, 2)).__name__}


_rng = np.random.default_rng(9010)
# conv2d_forward: a batch of two non-square images with two channels, three asymmetric filters.
_X = _rng.normal(size=(2, 2, 5, 4))
_W = _rng.normal(size=(3, 2, 3, 3))
_B = np.array([0.7, -1.3, 2.1])
_X_WIDE = _rng.normal(size=(1, 2, 6, 9))
_W_2 = _rng.normal(size=(2, 2, 2, 2))
_SPOT = np.zeros((1, 1, 4, 4))
_SPOT[0, 0, 1, 2] = 1.0
_X_INT = _rng.integers(0, 9, size=(1, 1, 4, 5))
_W_FRACTION = np.array([[[[0.25, -0.5], [0.75, 0.125]]]])

# maxpool2d_forward: every example and channel differs; one channel is negative throughout.
_P = _rng.normal(size=(2, 3, 4, 6))
_P[1, 2] = -np.abs(_P[1, 2]) - 0.5
_P_ODD = _rng.normal(size=(1, 2, 7, 6))
_P_SMALL = _rng.normal(size=(1, 1, 5, 5))

# batchnorm_forward: features on different scales; one with a tiny variance; one constant.
_N = _rng.normal(loc=[2.0, -1.0, 0.5], scale=[1.5, 0.3, 4.0], size=(5, 3))
_GAMMA, _BETA = np.array([1.5, -0.75, 0.5]), np.array([0.2, -0.4, 1.1])
_N_TINY = np.column_stack([_rng.normal(size=4) * 1e-3 + 3.0, _rng.normal(size=4), np.full(4, 2.0)])



def _small_cnn(cls):
    torch.manual_seed(10)
    digits = torch.randn(4, 1, 28, 28)
    untouched = digits.clone()
    model = cls()
    found = {"has Conv2d": any(isinstance(m, torch.nn.Conv2d) for m in model.modules()),
             "size within bounds": 5_000 <= sum(p.numel() for p in model.parameters()) <= 5_000_000}
    model.eval()
    with torch.no_grad():
        out = attempt(lambda: model(digits))
        found["shape"] = attempt(lambda: list(out.shape))
        found["dtype"] = attempt(lambda: str(out.dtype))
        found["examples apart"] = attempt(lambda: bool(torch.allclose(model(digits[1:3]), out[1:3], atol=1e-4)))
        found["one image"] = attempt(lambda: bool(torch.allclose(model(digits[3:]), out[3:], atol=1e-4)))
        found["some negative"] = attempt(lambda: bool((out < 0).any()))
        found["rows of probabilities"] = attempt(
            lambda: bool((out >= 0).all() and torch.allclose(out.sum(dim=1), torch.ones(4), atol=1e-4)))
        found["repeatable"] = attempt(lambda: bool(torch.allclose(model(digits), out)))
    found["input unchanged"] = bool(torch.equal(digits, untouched))
    model.train()

    def every_parameter_used():
        model(digits[:2]).sum().backward()
        return all(p.grad is not None for p in model.parameters())

    found["every parameter used"] = attempt(every_parameter_used)
    return found


PROBES = {
    "conv_output_size": [probe("five sizes, with padding and strides that do not divide", _sizes)],
    "conv2d_forward": [
        _numpy_only("a bright pixel, a 3x3 filter", _SPOT, np.arange(9.0).reshape(1, 1, 3, 3), np.zeros(1)),
        _numpy_only("2 images (2, 5, 4), 3 filters", _X, _W, _B, flags=("conv2d", "unfold")),
        _numpy_only("padding 1", _X, _W, _B, padding=1),
        _numpy_only("stride 2", _X_WIDE, _W_2, _B[:2], stride=2),
        _numpy_only("stride 3, padding 2", _X_WIDE, _W_2, _B[:2], stride=3, padding=2),
        _numpy_only("integer pixels, fractional weights", _X_INT, _W_FRACTION, np.array([0.5])),
    ],
    "maxpool2d_forward": [
        _numpy_only("(2, 3, 4, 6), a negative channel", _P, flags=("max_pool2d",)),
        _numpy_only("size 3, stride 2, on 7x6", _P_ODD, size=3, stride=2),
        _numpy_only("size 2, stride 1, on 5x5", _P_SMALL, size=2, stride=1),
    ],
    "batchnorm_forward": [
        _numpy_only("(5, 3), features on different scales", _N, _GAMMA, _BETA, flags=("batch_norm",)),
        _numpy_only("a tiny variance and a constant feature, eps 1e-3", _N_TINY, _GAMMA, _BETA, eps=1e-3),
        _numpy_only("eps 0.5", _N, _GAMMA, _BETA, eps=0.5),
        _numpy_only("two examples", _N[:2], np.ones(3), np.zeros(3)),
    ],
    "SmallCNN": [probe("four 28x28 images: shape, examples apart, logits, repeatable, structure", _small_cnn)],
}
