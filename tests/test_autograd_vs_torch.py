"""Lesson 04's reference `Value` against PyTorch: the same expressions, the same values and gradients.

PyTorch is an independent oracle (as in micrograd's own tests): nothing here is a number
copied from a run of our code. Every expression is written once and evaluated twice, on
`Value`s and on 0-d float64 tensors, which have the same operators and the same
`.tanh()`, `.relu()` and `.exp()` methods.
"""

import math

import numpy as np
import pytest

from . import submissions as subs

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def Value():
    """The class from the answer cell of solutions/04-backprop, exactly as students are graded against."""
    namespace = {"math": math, "np": np}
    exec(subs.reference_answers("04-backprop")["Value"], namespace)
    return namespace["Value"]


def run_both(Value, expr, inputs):
    """(value result, [value grads], torch result, [torch grads]) of expr at the given inputs."""
    leaves = [Value(x) for x in inputs]
    out = expr(*leaves)
    out.backward()
    tensors = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in inputs]
    reference = expr(*tensors)
    reference.backward()
    grads = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    return out.data, [leaf.grad for leaf in leaves], reference.item(), grads


def assert_same(Value, expr, inputs, rel=1e-10):
    value, grads, ref_value, ref_grads = run_both(Value, expr, inputs)
    assert value == pytest.approx(ref_value, rel=rel, abs=1e-12)
    assert grads == pytest.approx(ref_grads, rel=rel, abs=1e-12)


def micrograd_sanity(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a, b):
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    return g + 10.0 / f


def tanh_neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


def tanh_from_exp(x1, x2, w1, w2, b):
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    return (e - 1) / (e + 1)


def sigmoid_loss(x, w, b, y):
    a = 1 / (1 + (-(x * w + b)).exp())
    return 0.5 * (a - y) ** 2


def reuse(x, y):
    s = x * x + x          # x three times in one expression
    t = s * y - s / (1 + y * y)
    return t * s + 3 - x   # s and x reused again downstream


def every_op(a, b, c):
    d = a * b + c ** 2 - 3.0 / a
    e = d.tanh() * 2 + (b / 4).exp() - (c - a).relu()
    return e * e + d - (1 - a) * b + (2 - b) / (1 + c * c) + a ** 0.5


@pytest.mark.parametrize("x", [-4.0, 0.5, 3.0])
def test_micrograd_sanity_check(Value, x):
    assert_same(Value, micrograd_sanity, [x])


def test_micrograd_more_ops(Value):
    # The expression grows fast; micrograd's own test compares to 1e-6 for the same reason.
    assert_same(Value, micrograd_more_ops, [-4.0, 2.0], rel=1e-9)


def test_tanh_neuron_directly_and_through_exp(Value):
    inputs = [2.0, 0.0, -3.0, 1.0, 6.8813735870195432]
    assert_same(Value, tanh_neuron, inputs)
    assert_same(Value, tanh_from_exp, inputs)
    direct, grads, _, _ = run_both(Value, tanh_neuron, inputs)
    via_exp, grads_exp, _, _ = run_both(Value, tanh_from_exp, inputs)
    assert direct == pytest.approx(via_exp, rel=1e-12) and grads == pytest.approx(grads_exp, rel=1e-9)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_sigmoid_neuron_loss(Value, y):
    assert_same(Value, sigmoid_loss, [1.5, -0.8, 0.2, y])


def test_values_used_many_times(Value):
    assert_same(Value, reuse, [0.7, -1.3])


@pytest.mark.parametrize("seed", range(6))
def test_random_points_through_every_operation(Value, seed):
    rng = np.random.default_rng(seed)
    a = float(rng.uniform(0.3, 2.0))  # a ** 0.5 and 3 / a need a > 0
    b, c = (float(v) for v in rng.normal(size=2))
    assert_same(Value, every_op, [a, b, c])


def test_relu_at_zero_matches_torch(Value):
    # Both use slope 0 exactly at the kink, as lesson 02's relu_grad does.
    assert_same(Value, lambda x: (x - 1).relu() * 3 + x, [1.0])


def test_saturated_tanh_and_large_exponents(Value):
    assert_same(Value, lambda x: (x * 100).tanh() + (x * -100).tanh() * 0.5, [5.0])
    assert_same(Value, lambda x: (x * 0.5).exp() / (1 + x * x), [30.0])


def test_tiny_network_gradients_match(Value):
    """A 2-3-1 tanh network and its mean squared error on three examples: every weight's gradient."""
    rng = np.random.default_rng(7)
    W1, b1, W2 = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=3)
    X, y = rng.normal(size=(3, 2)), np.array([1.0, -1.0, 0.5])
    flat = [*W1.ravel(), *b1, *W2]

    def loss(*p):
        w1 = [p[0:3], p[3:6]]
        bias, w2 = p[6:9], p[9:12]
        total = 0
        for x, t in zip(X, y):
            hidden = [(float(x[0]) * w1[0][j] + float(x[1]) * w1[1][j] + bias[j]).tanh() for j in range(3)]
            out = hidden[0] * w2[0] + hidden[1] * w2[1] + hidden[2] * w2[2]
            total = total + (out - float(t)) ** 2
        return total / len(y)

    assert_same(Value, loss, flat)
