"""utils.graphs: tracing and laying out computation graphs, and the diagrams of lessons 04 and 05."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from utils import graphs, plots  # noqa: E402

from . import submissions as subs  # noqa: E402


@pytest.fixture(scope="module")
def Value():
    """Lesson 04's reference Value: the class the graphs are drawn for."""
    namespace = {"math": math, "np": np}
    exec(subs.reference_answers("04-backprop")["Value"], namespace)
    return namespace["Value"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def hand_graph():
    """L = (a*b + c) * f with the gradients of lesson 04, section 2, as drawing-only nodes."""
    N = graphs.Node
    a, b, c, f = N(2.0, label="a", grad=6.0), N(-3.0, label="b", grad=-4.0), N(10.0, label="c", grad=-2.0), \
        N(-2.0, label="f", grad=4.0)
    e = N(-6.0, (a, b), "*", label="e", grad=-2.0)
    d = N(4.0, (e, c), "+", label="d", grad=-2.0)
    L = N(-8.0, (d, f), "*", label="L", grad=1.0)
    return L, dict(a=a, b=b, c=c, f=f, e=e, d=d, L=L)


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_trace_lists_every_value_once_output_first_and_no_topological_order():
    L, nodes = hand_graph()
    graph = graphs.trace(L)
    assert len(graph.values) == 7 and graph.values[0] is L
    assert len({id(v) for v in graph.values}) == 7, "every value once"
    # Lesson 04's students write a topological order themselves (Value.topological_order); the
    # drawing helpers they may import must not hand one out: where a value reaches the output along
    # paths of different lengths, neither the order given nor its reverse is topological.
    N = graphs.Node
    x = N(3.0, label="x")
    diamond = N(0.0, (N(0.0, (N(0.0, (x,), "a"),), "b"), x), "+")   # x feeds the output directly and via a chain
    traced = graphs.trace(diamond)
    for order in (traced.values, traced.values[::-1]):
        position = {id(v): i for i, v in enumerate(order)}
        assert not all(position[id(c)] < position[id(p)] for c, p in traced.edges)
    assert graph.ops[id(L)] == "*" and graph.ops[id(nodes["d"])] == "+"
    assert id(nodes["a"]) not in graph.ops, "inputs have no operation"
    assert [c.label for c in graph.inputs[id(nodes["e"])]] == ["a", "b"], "inputs keep their written order"


def test_trace_counts_an_input_used_twice_by_one_operation():
    N = graphs.Node
    x = N(3.0, label="x")
    y = N(9.0, (x, x), "*", label="y")
    graph = graphs.trace(y)
    assert len(graph.values) == 2 and len(graph.edges) == 1
    assert graph.repeats == {(id(y), id(x)): 2}


def test_trace_follows_the_lesson_value_class(Value):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + a).tanh()
    out.backward()
    graph = graphs.trace(out)
    assert {v.label for v in graph.values if v.label} == {"a", "b"}
    assert sorted(graph.ops.values()) == ["*", "+", "tanh"]
    ax = graphs.draw_graph(out, title="from Value")
    shown = texts(ax)
    assert "a = 2" in shown and "b = -3" in shown and "tanh" in shown
    assert f"grad {a.grad:.3g}" in shown, "each value's gradient is printed under it"


def test_trace_needs_no_recursion_and_tolerates_odd_equality():
    class Weird:
        """A value class whose == returns a non-bool and that cannot be hashed."""
        __hash__ = None

        def __init__(self, data, prev=()):
            self.data, self._prev, self._op = data, prev, "+" if prev else ""

        def __eq__(self, other):
            return Weird(0.0)

    node = Weird(0.0)
    for i in range(3000):  # deeper than Python's recursion limit
        node = Weird(float(i), (node, Weird(1.0)))
    graph = graphs.trace(node)
    assert len(graph.values) == 6001
    pos = graphs.layout(graph)
    assert len(pos) == 6001 + 3000


def test_micrograd_style_sets_are_drawn_in_a_stable_order():
    class SetValue:
        def __init__(self, data, children=(), op="", label=""):
            self.data, self._prev, self._op, self.label, self.grad = data, set(children), op, label, 0.0

    def build():
        a, b = SetValue(1.0, label="a"), SetValue(2.0, label="b")
        return SetValue(2.0, (b, a), "*", "c")

    first = [v.label for v in graphs.trace(build()).values]
    for _ in range(5):
        assert [v.label for v in graphs.trace(build()).values] == first


def test_layout_flows_left_to_right_without_overlaps():
    L, nodes = hand_graph()
    graph = graphs.trace(L)
    pos = graphs.layout(graph)
    for child, parent in graph.edges:
        assert pos[id(child)][0] < pos[("op", id(parent))][0] < pos[id(parent)][0]
    assert pos[id(L)][0] == max(x for x, _ in pos.values()), "the output is drawn rightmost"
    by_column = {}
    for key, (x, y) in pos.items():
        by_column.setdefault(round(x, 6), []).append(y)
    for ys in by_column.values():
        ys = sorted(ys)
        assert all(b - a >= graphs._ROW - 1e-9 for a, b in zip(ys, ys[1:])), "nodes in a column must not overlap"
    # The inputs of one operation sit above and below it, in their written order.
    assert pos[id(nodes["a"])][1] > pos[id(nodes["b"])][1]


def test_draw_graph_shows_values_gradients_and_operations():
    L, nodes = hand_graph()
    ax = graphs.draw_graph(L, title="the backward pass")
    shown = texts(ax)
    assert ax.get_title() == "the backward pass"
    for expected in ["a = 2", "b = -3", "c = 10", "f = -2", "e = -6", "d = 4", "L = -8",
                     "grad 6", "grad -4", "grad -2", "grad 4", "grad 1", "*", "+"]:
        assert expected in shown, f"{expected!r} missing from the drawing"
    without = graphs.draw_graph(L, show_grad=False)
    assert not any(t.startswith("grad") for t in texts(without)), "show_grad=False hides the gradients"
    png = plots.figure_png(ax.figure)
    assert png.startswith(b"\x89PNG")


def test_nodes_without_gradients_show_only_their_data():
    N = graphs.Node
    x = N(1.5, label="x")
    y = N(2.25, (x, x), "**2", label="y")
    ax = graphs.draw_graph(y)
    shown = texts(ax)
    assert "x = 1.5" in shown and "y = 2.25" in shown and "**2" in shown and "×2" in shown
    assert not any(t.startswith("grad") for t in shown)


def test_highlighted_values_are_drawn_differently():
    L, nodes = hand_graph()
    plain = graphs.draw_graph(L)
    marked = graphs.draw_graph(L, highlight=[nodes["a"]])
    colours = lambda ax: sorted(str(p.get_facecolor()) for p in ax.patches)  # noqa: E731
    assert colours(plain) != colours(marked)


def test_long_edges_bend_around_nodes_in_their_way():
    N = graphs.Node
    a = N(0.5, label="a")
    b = N(1.5, (a,), "*3")
    c = N(2.25, (b, b), "*")
    d = N(3.75, (b, c), "+")
    e = N(1.875, (d, a), "*", label="e")  # a also feeds the last operation, far to the right
    ax = graphs.draw_graph(e)
    rads = [p.get_connectionstyle().rad for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(rads) == 10, "one arrow per distinct input of each operation (6), one per result (4)"
    assert sum(abs(r) > 0 for r in rads) == 1, "only the edge from a to the last * runs through other nodes"
    low = min(ax.get_ylim())
    assert low < min(y for _, y in graphs.layout(graphs.trace(e)).values()) - graphs._BOX_H, \
        "the axes make room for the bowed edge"


def test_draw_network_writes_the_parameter_shapes():
    fig, ax = plt.subplots()
    graphs.draw_network(ax, [2, 8, 8, 1])
    shown = "\n".join(texts(ax))
    assert "(2, 8)" in shown and "(8, 8)" in shown and "(8, 1)" in shown and "(1,)" in shown
    assert "2-8-8-1" in ax.get_title()
    assert "⋮" in shown, "layers wider than max_units are drawn shortened"
    fig2, ax2 = plt.subplots()
    graphs.draw_network(ax2, [2, 8, 1], max_units=8, title="custom")
    assert "⋮" not in texts(ax2) and ax2.get_title() == "custom"
    with pytest.raises(ValueError):
        graphs.draw_network(ax2, [3])


def test_draw_forward_backward_labels_both_passes():
    fig, ax = plt.subplots()
    graphs.draw_forward_backward(ax, ["linear", "loss"], ["X", "out", "C"], ["dX", "dout", "1"], ["dW, db", None])
    shown = texts(ax)
    for label in ["linear", "loss", "X", "out", "C", "dX", "dout", "1", "dW, db", "cache"]:
        assert label in shown
    assert ax.get_title()
    with pytest.raises(ValueError):
        graphs.draw_forward_backward(ax, ["linear"], ["X"], ["dX", "dZ"])
