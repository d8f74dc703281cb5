"""Probes for lesson 04: numerical gradients, relative errors, one neuron by hand, the Value class.

`Value` is probed through small expressions built with it: each probe returns the data and
gradients it produced (as floats: a correct class may keep data as given), and what it can
say about the topological order without depending on its exact order (a correct class may
list siblings in any order).
"""

import numpy as np

from ..observe import Call, Probe

_rng = np.random.default_rng(9004)
_C = _rng.normal(size=(2, 3))
_X2 = _rng.normal(size=(2, 3))
_V = np.array([0.7, -1.3, 0.45, 2.1])


def _cubes(v):
    """sum(v ** 3): the centred estimate with step h is exactly 3 v^2 + h^2."""
    return float(np.sum(np.asarray(v) ** 3))


def _coupled(v):
    """Entries that interact: the gradient of one entry depends on the others."""
    v = np.asarray(v)
    return float(np.sum(_C * v ** 2) + v[0, 0] * v[1, 2] - np.sin(v[0, 1] * v[1, 0]))


def _squares(v):
    return float(np.sum(np.asarray(v) ** 2))


def _through_closure(numerical_gradient):
    """f ignores its argument and reads x itself (lesson 05's gradient check does this)."""
    x = np.array([[0.9, -0.2], [1.7, 0.35]])
    return numerical_gradient(lambda _: float(np.sum(x ** 2) + x[0, 0] * x[1, 1]), x)


# ---- Value ---------------------------------------------------------------------------------------

def _f(*values):
    return [float(v) for v in values]


def _grads(*values):
    return [float(v.grad) for v in values]


def _order_facts(root, every):
    """What any correct topological order must satisfy (never the order itself)."""
    order = root.topological_order()
    ids = [id(v) for v in order]
    position = {i: k for k, i in enumerate(ids)}
    valid = all(id(c) in position and position[id(c)] < position[id(v)] for v in order for c in v._prev)
    return {"list": isinstance(order, list), "length": len(order), "each once": len(set(ids)) == len(ids),
            "self last": bool(order) and order[-1] is root, "children first": valid,
            "every value": all(id(v) in position for v in every)}


def _product_and_sum(Value):
    a, b, c = Value(1.5), Value(-0.4), Value(0.3)
    d = a * b
    e = d + c
    top = e * c
    top.backward()
    return {"data": _f(d.data, e.data, top.data), "grads": _grads(a, b, c, d, e, top)}


def _square(Value):
    leaf = Value(-1.25)
    squared = leaf * leaf
    squared.backward()
    return {"data": float(squared.data), "grad": float(leaf.grad)}


def _diamond(Value):
    """Two paths of different lengths from a to the output, the short one listed first, then last."""
    found = []
    for short_first in (True, False):
        start = Value(0.8)
        scaled = start * 2.5
        squared = scaled * scaled
        joined = (scaled + squared) if short_first else (squared + scaled)
        top = joined * start
        top.backward()
        found.append({"data": float(top.data), "grads": _grads(start, scaled, squared, joined, top),
                      "order": _order_facts(top, (start, scaled, squared, joined, top))})
    return found


def _shared_leaves(Value):
    """A value used many times, and backward() called on a value in the middle."""
    w, k = Value(0.6), Value(-1.1)
    total = w * k
    for _repeat in range(3):
        total = total + w * w
    mid = total * k
    top = mid + w
    mid.backward()
    return {"grads": _grads(w, k, total, mid, top), "order": _order_facts(mid, (w, k, total, mid)),
            "lone": _order_facts(Value(2.5), ())}


def _chain(Value):
    """A chain of 2,500 steps: deeper than Python's recursion limit."""
    leaf = Value(1.0)
    node = leaf
    for _ in range(2500):
        node = node * 1.0002
    node.backward()
    return {"grad": float(leaf.grad), "length": len(node.topological_order())}


def _number_left(op):
    def run(Value):
        leaf = Value(0.8)
        result = op(leaf)
        result.backward()
        return {"data": float(result.data), "grad": float(leaf.grad), "new": result is not leaf,
                "x kept": float(leaf.data)}
    return run


def _one_input(op, x0):
    def run(Value):
        leaf = Value(x0)
        result = op(leaf)
        result.backward()
        return {"data": float(result.data), "grad": float(leaf.grad), "out grad": float(result.grad)}
    return run


def _add_is_new(Value):
    leaf = Value(0.8)
    result = leaf + 1.25
    same = result is leaf
    result.backward()
    return {"same object": same, "x data": float(leaf.data), "out data": float(result.data), "grad": float(leaf.grad)}


def _quotient(Value):
    a, b = Value(1.2), Value(-0.75)
    result = a / b
    result.backward()
    return {"data": float(result.data), "grads": _grads(a, b)}


def _difference(Value):
    a, b = Value(1.2), Value(-0.75)
    result = a - b
    result.backward()
    return {"data": float(result.data), "grads": _grads(a, b)}


PROBES = {
    "numerical_gradient": [
        Call(_cubes, _V.copy(), h=0.1),
        Call(_coupled, _X2.copy(), h=0.05),
        Call(_squares, np.array([0.1, 0.7, 1.3, -2.9, 0.3]), h=1e-3),
        Probe("f reads x through a closure", _through_closure),
    ],
    "relative_error": [
        Call(np.array([3.0, 0.5, -2.0]), np.array([1.0, 0.5, -2.5])),
        Call(np.array([1e-3, 40.0]), np.array([2e-3, 40.0])),
        Call(np.array([0.0, 0.0]), np.array([0.0, 0.0])),
        Call(np.array([[-1.5, 2.0], [0.25, 8.0]]), np.array([[1.5, 2.5], [0.25, 6.0]])),
        Call(0.5, 2.0),
    ],
    "neuron_forward_backward": [
        Call(np.array([0.6, -1.4, 2.0]), np.array([0.3, 0.8, -0.25]), -0.1, 0.8),
        Call(np.array([1.5, 0.5]), np.array([-0.4, 1.1]), 0.35, 0.0),
    ],
    "Value": [
        Probe("(a*b + c) * c", _product_and_sum),
        Probe("x * x", _square),
        Probe("a diamond: (2.5a)^2 + 2.5a, times a", _diamond),
        Probe("a value used many times, backward() in the middle", _shared_leaves),
        Probe("a chain of 2,500 products", _chain),
        Probe("3 * x", _number_left(lambda x: 3 * x)),
        Probe("1.5 + x", _number_left(lambda x: 1.5 + x)),
        Probe("2 - x", _number_left(lambda x: 2 - x)),
        Probe("4 / x", _number_left(lambda x: 4 / x)),
        Probe("-x", _number_left(lambda x: -x)),
        Probe("x ** 3", _one_input(lambda x: x ** 3, 0.8)),
        Probe("x.tanh()", _one_input(lambda x: x.tanh(), 0.6)),
        Probe("x.tanh() at 400", _one_input(lambda x: x.tanh(), 400.0)),
        Probe("x.relu() at 0", _one_input(lambda x: x.relu(), 0.0)),
        Probe("x.relu() at -0.5 and 0.9", lambda Value: [_one_input(lambda x: x.relu(), x0)(Value) for x0 in (-0.5, 0.9)]),
        Probe("x.exp()", _one_input(lambda x: x.exp(), 0.5)),
        Probe("x + 1.25", _add_is_new),
        Probe("a / b", _quotient),
        Probe("a - b", _difference),
    ],
}
