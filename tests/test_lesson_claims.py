"""The numbers and formulas lessons 02-05 state in their text, each checked by a computation.

A lesson's prose promises things ("twenty sigmoid layers lose a factor of 10^12", "the recursive
order fails a little before 1,000 nodes", "both constant starts end near ln 2"). Where the notebook
does not compute and print the number itself, it is checked here, in the fast mode that Validate,
grading and CI use. Figures the text gives for a full (normal-mode) run are checked by the tests
marked `full_run`, which run only with DLCOURSE_FULL_CLAIMS=1 (they train for a minute or more).
"""

import ast
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook  # noqa: E402
from utils import data, graphs, landscapes, playground, toy  # noqa: E402

from . import submissions as subs  # noqa: E402

full_run = pytest.mark.skipif(os.environ.get("DLCOURSE_FULL_CLAIMS") != "1",
                              reason="full-run figures: set DLCOURSE_FULL_CLAIMS=1 (slow)")


def reference(lesson, *extra):
    """A namespace with the lesson's reference answers (and the lesson imports they use)."""
    namespace = {"np": np, "math": math, "playground": playground, "toy": toy, "graphs": graphs,
                 "logistic_loss": playground.logistic_loss}
    for source in subs.reference_answers(lesson).values():
        exec(source, namespace)
    return namespace


def markdown(lesson):
    nb = json.loads(lesson_notebook(lesson, SOLUTIONS_DIR).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def run_lesson_cells(lesson, stop_at, fast=True):
    """Execute the solution notebook's code cells (answers included) up to the first whose source
    contains `stop_at`, with plots switched off; returns the namespace. Fast mode unless fast=False."""
    import matplotlib.pyplot as plt
    nb = json.loads(lesson_notebook(lesson, SOLUTIONS_DIR).read_text())
    before = os.environ.get("DLCOURSE_FAST")
    os.environ["DLCOURSE_FAST"] = "1" if fast else "0"
    show, plt.show = plt.show, (lambda *a, **k: None)
    namespace = {}
    try:
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code":
                continue
            if stop_at in source:
                break
            exec(compile(source, f"{lesson} cell", "exec"), namespace)
            plt.close("all")
    finally:
        plt.show = show
        if before is None:
            os.environ.pop("DLCOURSE_FAST", None)
        else:
            os.environ["DLCOURSE_FAST"] = before
    return namespace


# --- lesson 02 -----------------------------------------------------------------------------------

def test_02_the_largest_float_and_the_overflow():
    assert "1.8 \\cdot 10^{308}" in markdown("02-activations")
    assert np.finfo(float).max / 1e308 == pytest.approx(1.8, abs=0.01)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        np.exp(np.array([1000.0]))


def test_02_slopes_at_zero_and_the_tanh_identity():
    ref = reference("02-activations")
    z = np.linspace(-8, 8, 1601)
    assert ref["sigmoid_grad"](z).max() == pytest.approx(0.25) and z[np.argmax(ref["sigmoid_grad"](z))] == 0
    assert ref["tanh_grad"](0.0) == pytest.approx(2 * 2 * 0.25)
    assert np.allclose(2 / (1 + np.exp(-2 * z)) - 1, np.tanh(z))


def test_02_twenty_sigmoid_layers_lose_a_factor_of_a_trillion():
    assert 0.25 ** 20 == pytest.approx(9e-13, rel=0.02)  # "0.25^20 ≈ 9·10^-13", "a factor of 10^12"
    assert 4 ** 20 == pytest.approx(1.1e12, rel=0.01)
    assert math.log10(0.25) == pytest.approx(-0.6, abs=0.01)


def test_02_collapsed_layers_agree_to_rounding_error():
    ref = reference("02-activations")
    rng = np.random.default_rng(0)  # the lesson's demo, exactly
    sizes = [2, 16, 16, 16, 1]
    weights = [rng.normal(0.0, 1.5 / np.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0.0, 0.5, size=b) for b in sizes[1:]]
    X = rng.uniform(-2, 2, size=(1000, 2))
    deep = X
    for W, b in zip(weights, biases):
        deep = deep @ W + b
    W1, b1 = ref["collapse_linear_layers"](weights, biases)
    gap = np.abs(deep - (X @ W1 + b1)).max()
    assert 1e-17 < gap < 1e-13, "the text says they agree to about 1e-15"


def test_02_a_negative_bias_kills_a_relu_chain():
    """Widget task: w = 1, b = -1, input 0.5: every ReLU unit of the chain outputs 0 and has slope 0."""
    a, slopes = 0.5, []
    for _ in range(10):
        z = 1.0 * a - 1.0
        a, slopes = max(z, 0.0), slopes + [1.0 if z > 0 else 0.0]
    assert a == 0.0 and slopes == [0.0] * 10


# --- lesson 03 -----------------------------------------------------------------------------------

def test_03_clipped_cross_entropy_and_the_sigmoid_that_rounds_to_one():
    assert -math.log(1e-12) == pytest.approx(27.6, abs=0.05)
    # "the sigmoid returns exactly 1.0 for any z above about 37"
    assert 1 / (1 + math.exp(-37.0)) == 1.0 and 1 / (1 + math.exp(-36.0)) < 1.0
    assert 1 / (1 + math.exp(-40.0)) == 1.0


def test_03_the_slope_of_the_loss_in_z_is_p_minus_y():
    """The algebra of section 5, term by term: dL/dp = (p - y) / (p (1 - p)), times p (1 - p)."""
    h = 1e-6
    for z in (-3.0, -0.4, 0.0, 1.3, 4.0):
        for y in (0.0, 1.0, 0.3):
            p = 1 / (1 + math.exp(-z))
            loss = lambda q: -(y * math.log(q) + (1 - y) * math.log(1 - q))  # noqa: E731
            dL_dp = (loss(p + h) - loss(p - h)) / (2 * h)
            assert dL_dp == pytest.approx(-y / p + (1 - y) / (1 - p), rel=1e-6)
            assert dL_dp == pytest.approx((p - y) / (p * (1 - p)), rel=1e-6)
            sig = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
            dL_dz = (loss(sig(z + h)) - loss(sig(z - h))) / (2 * h)
            assert dL_dz == pytest.approx(p - y, abs=1e-7)


def test_03_the_four_learning_rates_on_the_parabola():
    """c = 1, w0 = -1.5: 0.1 crawls, 0.6 converges from one side, 1.7 oscillates, 2.15 diverges."""
    paths = {lr: [-1.5 * (1 - lr) ** t for t in range(9)] for lr in (0.1, 0.6, 1.7, 2.15)}
    assert abs(paths[0.1][-1]) > 0.5 and all(w < 0 for w in paths[0.1])
    assert abs(paths[0.6][-1]) < 1e-2 and all(w < 0 for w in paths[0.6])
    signs = np.sign(paths[1.7])
    assert np.all(signs[1:] != signs[:-1]) and abs(paths[1.7][-1]) < abs(paths[1.7][0])
    assert abs(paths[2.15][-1]) > abs(paths[2.15][0]) * 2


def test_03_bowl_and_ravine_curvatures():
    """The widget's text: the bowl has curvature 1; the ravine 4 across and 0.2 along (20 times)."""
    def hessian(grad, w, h=1e-5):
        cols = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            cols.append((np.asarray(grad(w + e)) - np.asarray(grad(w - e))) / (2 * h))
        return np.array(cols)

    for w in ([0.3, -0.7], [1.0, 1.0]):
        assert np.allclose(np.linalg.eigvalsh(hessian(landscapes.SURFACES["bowl"].grad, np.array(w))), [1, 1])
        assert np.allclose(np.linalg.eigvalsh(hessian(landscapes.SURFACES["ravine"].grad, np.array(w))), [0.2, 4])


def test_03_question_3_the_ratio_of_the_two_pushes():
    p, y = 0.001, 1.0
    assert (p - y) / (2 * (p - y) * p * (1 - p)) == pytest.approx(500, rel=0.01)


def reference_logistic_fit(X, y, lr, epochs):
    w, b, costs = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        p = 0.5 * (1 + np.tanh(0.5 * (X @ w + b)))
        q = np.clip(p, 1e-12, 1 - 1e-12)
        costs.append(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
        w, b = w - lr * X.T @ (p - y) / len(y), b - lr * np.mean(p - y)
    return w, b, np.array(costs)


@pytest.fixture(scope="module")
def mnist():
    return data.load_mnist()


def test_03_quick_run_beats_the_baseline_and_the_learning_rates_behave_as_described(mnist):
    """Section 5 in fast mode: 600 digits, 15 epochs; then four rates on 300 digits, 10 epochs."""
    X = data.to_features(mnist.X_train[:600])
    y = (mnist.y_train[:600] == 3).astype(int)
    X_test, y_test = data.to_features(mnist.X_test), (mnist.y_test == 3).astype(int)
    w, b, costs = reference_logistic_fit(X, y, 0.3, 15)
    assert costs[0] == pytest.approx(math.log(2))
    baseline = np.mean(y_test == 0)
    assert 0.88 < baseline < 0.92, "about one digit in ten is a 3"
    assert np.mean((X_test @ w + b >= 0) == y_test) > baseline + 0.03, "far better than the baseline"
    with np.errstate(over="ignore"):
        curves = {lr: reference_logistic_fit(X[:300], y[:300], lr, 10)[2] for lr in (0.01, 0.3, 3.0, 30.0)}
    assert curves[0.01][-1] > curves[0.3][-1] and curves[0.01].max() <= math.log(2) + 1e-9, "the smallest crawls"
    assert np.all(np.diff(curves[0.3]) < 0), "the moderate rate descends smoothly"
    for lr in (3.0, 30.0):
        assert curves[lr].max() > 4 * math.log(2), "large rates jump far above the start"
        assert curves[lr].max() < 27.7, "but no example costs more than -log(1e-12)"


# --- lesson 04 -----------------------------------------------------------------------------------

def test_04_the_best_step_size_for_centred_and_forward_differences():
    h = np.logspace(-14, 0, 57)
    centred = np.abs((np.sin(1 + h) - np.sin(1 - h)) / (2 * h) - np.cos(1))
    forward = np.abs((np.sin(1 + h) - np.sin(1)) / h - np.cos(1))
    assert 1e-6 <= h[np.argmin(centred)] <= 1e-4, "the centred difference is best around h = 1e-5"
    at_default = centred[np.argmin(np.abs(h - 1e-5))]
    assert 1e-12 < at_default < 1e-10, "an error near 1e-11 at h = 1e-5: about ten correct digits"
    assert 1e-9 <= h[np.argmin(forward)] <= 1e-7 and 1e-10 < forward.min() < 1e-8, \
        "the forward difference is best near 1e-8 with about eight digits"
    assert np.cos(1) == pytest.approx(0.54, abs=0.005)


def test_04_the_recursive_order_fails_a_little_before_a_thousand_and_the_hidden_chain_is_deeper():
    def recursive_order(v, order, visited):
        if id(v) not in visited:
            visited.add(id(v))
            for child in v._prev:
                recursive_order(child, order, visited)
            order.append(v)
        return order

    def fails(length):
        node = graphs.Node(1.0)
        for _ in range(length):
            node = graphs.Node(0.0, (node,), "+0")
        try:
            recursive_order(node, [], set())
            return False
        except RecursionError:
            return True

    assert sys.getrecursionlimit() == 1000
    breaks_at = next(n for n in range(700, 1001, 5) if fails(n))
    assert 800 < breaks_at <= 1000, breaks_at
    text = markdown("04-backprop")
    assert "chain of 5,000 operations" in text and "1,000 calls" in text
    hidden = json.loads(lesson_notebook("04-backprop", SOLUTIONS_DIR).read_text())
    topo = next("".join(c["source"]) for c in hidden["cells"]
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_Value_topo")
    assert "range(5000)" in topo and 5000 > breaks_at * 5 - 100, "five times deeper than the recursive version survives"


def test_04_value_is_under_a_hundred_lines():
    source = subs.reference_answers("04-backprop")["Value"]
    tree = ast.parse(source)
    docstring_lines = {line for node in ast.walk(tree)
                       if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                       and isinstance(node.value.value, str)
                       for line in range(node.lineno, node.end_lineno + 1)}
    code = [line for i, line in enumerate(source.splitlines(), 1)
            if line.strip() and not line.strip().startswith("#") and i not in docstring_lines]
    assert 60 < len(code) < 100, len(code)


def test_04_lesson_07s_network_multiplies_235000_times_per_example():
    nb = json.loads(lesson_notebook("07-softmax-mnist", SOLUTIONS_DIR).read_text())
    assert any("init_params([784, 256, 128, 10]" in "".join(c["source"]) for c in nb["cells"])
    assert 784 * 256 + 256 * 128 + 128 * 10 == pytest.approx(235_000, rel=0.01)


def test_04_question_2_the_wrong_order_gives_3_instead_of_12():
    Value = reference("04-backprop")["Value"]
    a = Value(0.5)
    b = a * 3
    c = b * b
    d = c + b
    d.backward()
    assert a.grad == pytest.approx(12.0) and b.data == 1.5
    a = Value(0.5)
    b = a * 3
    c = b * b
    d = c + b
    d.grad = 1.0
    d._backward()
    b._backward()  # too early: only d's share has reached b
    assert a.grad == pytest.approx(3.0)
    c._backward()
    assert a.grad == pytest.approx(3.0), "c's later share never reaches a"


def test_04_the_quick_run_of_the_value_network_learns_xor():
    namespace = run_lesson_cells("04-backprop", "def tiny_mlp_predict")
    losses = namespace["losses"]
    assert losses[-1] < 0.5 * losses[0]
    net, X, y = namespace["net"], namespace["X_xor"], namespace["y_xor"]
    W1 = np.array([[w.data for w in row] for row in net.W1])
    b1 = np.array([b.data for b in net.b1])
    W2 = np.array([w.data for w in net.W2])
    predict = (np.tanh(np.tanh(X @ W1 + b1) @ W2 + net.b2.data) > 0).astype(int)
    assert np.mean(predict == y) >= 0.9, "the text says the network learns the XOR cloud"


# --- lesson 05 -----------------------------------------------------------------------------------

def test_05_he_scale_and_the_signal_through_ten_layers():
    assert math.sqrt(2 / 256) == pytest.approx(0.088, abs=0.0005)
    assert 100 * 64 == 6400


@pytest.fixture(scope="module")
def lesson05_quick():
    return run_lesson_cells("05-neural-network", "lab = playground.playground(")


def claims_05(namespace):
    spreads = namespace["spreads"]
    small, large, he = (spreads[k] for k in spreads)
    assert small[-1] < 1e-6 and large[-1] > 1e3 and all(0.5 < s < 2 for s in he), "shrinks, explodes, stays put"
    trained = namespace["trained"]
    for name in ("all zeros", "all 0.5"):
        assert abs(trained[name][1][-1] - math.log(2)) < 0.05, f"{name}: its cost ends near ln 2"
    assert trained["all 0.5"][1][0] > trained["all zeros"][1][0] + 0.1, "the all-0.5 start begins higher"
    assert trained["random"][1][-1] < 0.5, "the random start falls far below ln 2"
    W1 = trained["all 0.5"][0][0][0]
    assert np.allclose(W1, W1[:, :1]), "all-0.5: the hidden units' incoming weights stay copies of each other"
    return {name: run[-1] for name, run in namespace["runs"].items()}


def test_05_quick_run_claims(lesson05_quick):
    accuracy = claims_05(lesson05_quick)
    assert accuracy["spirals"] < 0.85, "quick run: the spirals are far from learned (about 70%)"
    assert min(accuracy[k] for k in ("circles", "xor", "blobs")) > 0.8


def test_05_question_2_far_more_parameters_than_training_points():
    sizes = [2, 16, 16, 16, 1]
    n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    assert round(300 * 0.10) == 30 and n_params > 10 * 30


@full_run
def test_05_full_run_figures():
    namespace = run_lesson_cells("05-neural-network", "lab = playground.playground(", fast=False)
    accuracy = claims_05(namespace)
    for name, stated in [("circles", 0.96), ("xor", 0.94), ("blobs", 0.96), ("spirals", 0.98)]:
        assert abs(accuracy[name] - stated) < 0.015, (name, accuracy[name])
    for name in ("circles", "xor", "blobs"):
        test_costs = namespace["runs"][name][6]
        lowest = int(np.argmin(test_costs))
        assert lowest < 400 and test_costs[-1] > test_costs[lowest] * 1.2, f"{name}: the test cost creeps up"


def test_05_question_2_in_the_playground_the_test_cost_falls_then_rises():
    """noise 0.5, 10% training data, 3 hidden layers of 16, batch 10, lr 0.3, a few thousand steps."""
    ref = reference("05-neural-network")
    lab = playground.playground(*(ref[name] for name in ("mlp_forward", "mlp_backward", "init_params", "sgd_step",
                                                         "fit")),
                                dataset="spirals", noise=0.5, train_percent=10, hidden_layers=3, units=16,
                                batch_size=10, lr=0.3, resolution=20).train(3000)
    train, test = np.array(lab.history["train"]), np.array(lab.history["test"])
    assert lab.last_error is None and len(lab.X_train) == 30
    assert train[-1] < 0.1 * train[0], "the training cost falls towards 0"
    lowest = int(np.argmin(test))
    assert 0 < lowest < 500 and test[lowest] < test[0] and test[-1] > 3 * test[lowest], \
        "the test cost falls at first, reaches a minimum, then rises"
