"""utils.playground: the lesson-05 playground, driven without a browser.

Controls are set and buttons pressed programmatically; the tests check that the picture
changes, that training lowers the loss, that the student's functions are the ones used,
and that unfinished or diverging code is reported instead of breaking the widget.
"""

import ast
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import notebooks  # noqa: E402
from dlcourse.paths import SOLUTIONS_DIR, lesson_notebook  # noqa: E402
from utils import playground, toy  # noqa: E402

from . import submissions as subs  # noqa: E402

SMALL = dict(n_points=120, resolution=25, steps_per_click=40, steps_per_frame=5)


def lesson_pairs():
    """{activation: (forward, backward)}: the pairs lesson 05 itself passes to the playground (its
    solution notebook's playground cell, functions only), so the lesson's formulas are what is tested."""
    nb = notebooks.read(lesson_notebook("05-neural-network", SOLUTIONS_DIR))
    source = next(cell.source for cell in nb.cells if cell.cell_type == "code" and "def tanh_forward" in cell.source)
    tree = ast.parse(source)
    tree.body = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    namespace = {"np": np}
    exec(compile(tree, "05-neural-network playground cell", "exec"), namespace)
    return {name: (namespace[f"{short}_forward"], namespace[f"{short}_backward"])
            for name, short in (("tanh", "tanh"), ("sigmoid", "sigmoid"), ("linear", "identity"))}


PAIRS = lesson_pairs()


def lesson_namespace():
    """The reference answers of lesson 05, the functions students write, in a namespace of their own
    (with the lesson's imports that they use)."""
    namespace = {"np": np, "playground": playground, "toy": toy, "logistic_loss": playground.logistic_loss}
    for source in subs.reference_answers("05-neural-network").values():
        exec(source, namespace)
    return namespace


@pytest.fixture(scope="module")
def lesson():
    return lesson_namespace()


def students(lesson):
    return [lesson[name] for name in ("mlp_forward", "mlp_backward", "init_params", "sgd_step", "fit")]


def make(lesson, **settings):
    return playground.Playground(*students(lesson), **{"activations": PAIRS, **SMALL, **settings})


def test_first_picture_is_drawn_at_step_zero(lesson):
    pg = make(lesson)
    assert pg.last_error is None and pg.last_png.startswith(b"\x89PNG")
    assert pg.step == 0 and len(pg.history["train"]) == len(pg.history["test"]) == 1
    assert len(pg.X_train) == len(pg.X_test) == 60, "50 % of 120 points train, the rest test"
    assert pg.layer_sizes == [2, 8, 8, 1]
    assert pg._repr_mimebundle_(), "the playground displays as a widget"


def test_train_button_trains_and_lowers_the_loss(lesson):
    pg = make(lesson, dataset="circles", lr=0.3)
    before_png, before_loss = pg.last_png, pg.history["train"][0]
    for _ in range(3):
        pg.train_button.click()
    assert pg.step == 3 * SMALL["steps_per_click"]
    assert len(pg.history["train"]) == pg.step + 1
    assert pg.history["train"][-1] < 0.8 * before_loss, "training must lower the training loss"
    assert pg.last_png != before_png, "the picture must change as the network learns"
    assert pg.live.figure.axes[1].get_title().startswith(f"step {pg.step}:")


def counting(calls, name, fn):
    def wrapper(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        return fn(*args, **kwargs)
    return wrapper


def test_the_students_functions_do_the_work():
    """The student's fit trains, with their mlp_forward, mlp_backward and sgd_step; init makes the weights."""
    calls = {}
    namespace = lesson_namespace()
    for name in ("mlp_forward", "mlp_backward", "init_params", "sgd_step", "fit"):
        namespace[name] = counting(calls, name, namespace[name])
    pg = playground.Playground(*students(namespace), activations=PAIRS, **SMALL)
    pg.train(10)
    assert calls["init_params"] == 1 and calls["fit"] == 1
    assert calls["mlp_backward"] == 10 and calls["sgd_step"] == 10 and calls["mlp_forward"] > 10
    assert pg.step == 10 and pg.last_error is None and len(pg.history["train"]) == len(pg.history["test"]) == 11


def test_every_activation_runs_the_students_layers_with_its_own_pair():
    """tanh, sigmoid and linear run the student's mlp_forward and mlp_backward, with the activation's
    pair where they call relu_forward and relu_backward; the student's notebook is left as it was."""
    calls = {}
    namespace = lesson_namespace()
    for name in ("linear_forward", "linear_backward", "relu_forward", "relu_backward"):
        namespace[name] = counting(calls, name, namespace[name])
    forward, backward = PAIRS["tanh"]
    pairs = {**PAIRS, "tanh": (counting(calls, "tanh_forward", forward), counting(calls, "tanh_backward", backward))}
    pg = playground.Playground(*students(namespace), activations=pairs, activation="tanh", **SMALL)
    relu_calls = (calls.get("relu_forward", 0), calls.get("relu_backward", 0))
    pg.train(10)
    assert pg.last_error is None and pg.step == 10
    assert calls["tanh_forward"] > 10 and calls["tanh_backward"] == 10 * 2, "two hidden layers, ten steps"
    assert calls["linear_forward"] > 30 and calls["linear_backward"] == 10 * 3, "the student's layers do the work"
    assert (calls.get("relu_forward", 0), calls.get("relu_backward", 0)) == relu_calls == (0, 0)
    assert namespace["relu_forward"].__name__ == "wrapper", "the student's names are untouched"
    pg.controls["activation"].value = "ReLU"
    pg.train(5)
    assert calls["relu_backward"] == 5 * 2 and pg.last_error is None


def test_other_activations_start_from_the_students_weights_at_the_fan_in_scale(lesson):
    relu, tanh = make(lesson), make(lesson, activation="tanh")
    for (W, b), (W_tanh, b_tanh) in zip(relu.params, tanh.params):
        assert np.allclose(W_tanh, W / np.sqrt(2)) and np.array_equal(b, b_tanh)


def test_changing_the_data_or_the_network_starts_again(lesson):
    pg = make(lesson)
    pg.train(20)
    png = pg.last_png
    pg.controls["dataset"].value = "spirals"
    assert pg.step == 0 and len(pg.history["train"]) == 1 and pg.last_png != png
    pg.train(5)
    pg.controls["hidden_layers"].value = 3
    assert pg.step == 0 and pg.layer_sizes == [2, 8, 8, 8, 1]
    pg.controls["units"].value = 3
    assert pg.layer_sizes == [2, 3, 3, 3, 1]
    pg.controls["train_percent"].value = 30
    assert len(pg.X_train) == 36 and len(pg.X_test) == 84
    pg.controls["noise"].value = 0.3
    assert pg.step == 0 and pg.last_error is None


def test_learning_rate_and_batch_size_do_not_restart(lesson):
    pg = make(lesson)
    pg.train(15)
    pg.controls["lr"].value = 0.03
    pg.controls["batch_size"].value = 0  # all
    assert pg.step == 15
    pg.train(5)
    assert pg.step == 20 and len(pg.history["train"]) == 21


def test_reset_restarts_from_the_same_weights(lesson):
    pg = make(lesson)
    first = [W.copy() for W, _ in pg.params]
    start_loss = pg.history["train"][0]
    pg.train(30)
    pg.reset_button.click()
    assert pg.step == 0 and pg.history["train"] == [start_loss]
    assert all(np.array_equal(W, W0) for (W, _), W0 in zip(pg.params, first))


def test_play_trains_a_few_steps_per_tick(lesson):
    pg = make(lesson)
    pg.play.value += 1
    pg.play.value += 1
    assert pg.step == 2 * SMALL["steps_per_frame"]


def test_same_settings_same_run(lesson):
    a, b = make(lesson, dataset="xor", seed=3), make(lesson, dataset="xor", seed=3)
    a.train(25)
    b.train(25)
    assert a.history == b.history and a.last_png == b.last_png
    c = make(lesson, dataset="xor", seed=4)
    c.train(25)
    assert c.history != a.history, "the seed changes the data and the initial weights"


def test_no_hidden_layer_is_logistic_regression(lesson):
    pg = make(lesson, hidden_layers=0, dataset="blobs")
    pg.train(40)
    assert pg.layer_sizes == [2, 1] and len(pg.params) == 1
    assert pg.history["train"][-1] < pg.history["train"][0]


# The network the playground once had built in for the other activations, kept here as the reference
# the student's network with a swapped activation must match (utils must hold no network of its own).
_OLD = {"tanh": (np.tanh, lambda a: 1.0 - a ** 2), "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
        "linear": (lambda z: z, np.ones_like)}


def old_init(layer_sizes, seed):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((d_in, d_out)) * np.sqrt(1.0 / d_in), np.zeros(d_out))
            for d_in, d_out in zip(layer_sizes[:-1], layer_sizes[1:])]


def old_forward_backward(X, params, dout_of, activation):
    f, slope = _OLD[activation]
    A, caches = X, []
    for i, (W, b) in enumerate(params):
        Z = A @ W + b
        A_next = Z if i == len(params) - 1 else f(Z)
        caches.append((A, W, A_next))
        A = A_next
    grads, dA = [], dout_of(A)
    for i in reversed(range(len(caches))):
        A_in, W, A_out = caches[i]
        dZ = dA if i == len(caches) - 1 else dA * slope(A_out)
        grads.append((A_in.T @ dZ, dZ.sum(axis=0)))
        dA = dZ @ W.T
    return A, grads[::-1]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_other_activations_compute_what_the_old_built_in_network_did(lesson, activation):
    init, forward, backward, _ = make(lesson, activation=activation).fns
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(9, 2)), rng.integers(0, 2, 9)
    params = init([2, 5, 4, 1], 3)
    assert all(np.allclose(W, W_old) and np.array_equal(b, b_old)
               for (W, b), (W_old, b_old) in zip(params, old_init([2, 5, 4, 1], 3)))
    out, caches = forward(X, params)
    grads = backward(playground.logistic_loss(out, y)[1], caches)
    out_old, grads_old = old_forward_backward(X, params, lambda o: playground.logistic_loss(o, y)[1], activation)
    assert np.allclose(out, out_old, rtol=1e-12, atol=1e-12)
    assert all(np.allclose(g, g_old, rtol=1e-12, atol=1e-14)
               for pair, pair_old in zip(grads, grads_old) for g, g_old in zip(pair, pair_old))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_other_activations_train_and_have_correct_gradients(lesson, activation):
    pg = make(lesson, activation=activation, dataset="blobs")
    init, forward, backward, _ = pg.fns
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 2, 7)
    params = init([2, 4, 3, 1], 1)
    out, caches = forward(X, params)
    _, dout = playground.logistic_loss(out, y)
    grads = backward(dout, caches)
    h = 1e-6
    for (W, b), (dW, db) in zip(params, grads):
        for array, grad in ((W, dW), (b, db)):
            assert grad.shape == array.shape
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + h
                up = playground.logistic_loss(forward(X, params)[0], y)[0]
                array[idx] = old - h
                down = playground.logistic_loss(forward(X, params)[0], y)[0]
                array[idx] = old
                assert abs((up - down) / (2 * h) - grad[idx]) < 1e-7
    pg.train(40)
    assert pg.last_error is None and pg.history["train"][-1] < pg.history["train"][0]


def test_an_activation_needs_its_pair_and_an_mlp_that_calls_relu_forward(lesson):
    pg = playground.Playground(*students(lesson), activation="tanh", **SMALL)  # no pairs given
    assert pg.last_png is None and "activations=" in str(pg.last_error)

    def inline_forward(X, params):  # right, but with ReLU written out instead of relu_forward
        caches, A = [], X
        for i, (W, b) in enumerate(params):
            Z, cache = lesson["linear_forward"](A, W, b)
            A = Z if i == len(params) - 1 else np.maximum(Z, 0)
            caches.append((cache, None if i == len(params) - 1 else Z))
        return A, caches

    own = playground.Playground(inline_forward, *students(lesson)[1:], activations=PAIRS, **SMALL)
    assert own.last_error is None, "ReLU needs no pair"
    own.controls["activation"].value = "sigmoid"
    assert own.last_png is None and "never calls relu_forward" in str(own.last_error)


def test_logistic_loss_is_the_mean_cross_entropy_and_stable():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(9, 1)) * 3, rng.integers(0, 2, 9)
    p = 1 / (1 + np.exp(-z[:, 0]))
    loss, dout = playground.logistic_loss(z, y)
    assert loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert dout.shape == (9, 1) and np.allclose(dout[:, 0], (p - y) / 9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big, dbig = playground.logistic_loss(np.array([[800.0], [-800.0]]), np.array([0, 1]))
    assert big == pytest.approx(800.0) and np.allclose(dbig, [[0.5], [-0.5]])


def test_unfinished_code_shows_a_message_instead_of_breaking(lesson):
    def not_done(*args, **kwargs):
        raise NotImplementedError()

    pg = playground.Playground(not_done, not_done, not_done, not_done, not_done, activations=PAIRS, **SMALL)
    assert isinstance(pg.last_error, NotImplementedError) and pg.last_png is None
    pg.train_button.click()  # still no crash
    assert isinstance(pg.last_error, NotImplementedError)
    pg.controls["activation"].value = "tanh"
    assert isinstance(pg.last_error, NotImplementedError), "unfinished code says so for every activation"
    half = playground.Playground(lesson["mlp_forward"], lesson["mlp_backward"], lesson["init_params"],
                                 lesson["sgd_step"], not_done, activations=PAIRS, **SMALL)
    assert half.last_error is None, "the first picture needs only the forward pass"
    half.train(5)
    assert isinstance(half.last_error, NotImplementedError)
    half.controls["activation"].value = "tanh"  # the other activations train with the student's fit too
    half.train(5)
    assert isinstance(half.last_error, NotImplementedError) and half.last_png is None


def test_divergence_is_reported_and_stops_training(lesson):
    def exploding_step(params, grads, lr):
        return [(W * 1e200, b) for W, b in params]

    namespace = lesson_namespace()
    namespace["sgd_step"] = exploding_step  # what the student's fit calls
    pg = playground.Playground(*students(namespace), activations=PAIRS, **SMALL)
    pg.play.playing = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pg.train(10)
    assert pg.diverged and pg.step < 10 and not pg.play.playing
    assert "diverged" in pg.live.figure.axes[1].get_title()
    assert pg.last_error is None and pg.last_png


def test_every_dataset_draws(lesson):
    pg = make(lesson)
    for name in toy.DATASETS:
        pg.controls["dataset"].value = name
        assert pg.last_error is None and pg.live.figure.axes[0].get_title().startswith(name)


def test_the_lessons_sigmoid_pair_does_not_overflow():
    """Lesson 05 says its sigmoid_forward computes 1 / (1 + e^-Z) without overflow."""
    forward, _ = PAIRS["sigmoid"]
    Z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            A, _ = forward(Z)
    # Far in the tails 1 + tanh cancels: about 1e-17 off in absolute terms, which a probability can spare.
    assert np.allclose(A, [0.0, np.exp(-30) / (1 + np.exp(-30)), 0.5, 1 / (1 + np.exp(-30)), 1.0], rtol=1e-12, atol=1e-15)


def test_input_features_are_what_the_network_sees(lesson):
    """Ticked features become the input columns, in FEATURES order; the network's input size follows."""
    X = np.array([[1.0, 2.0], [-0.5, 0.25]])
    F = playground.input_features(X, ["x1^2", "x1*x2", "sin x2", "x1"])
    assert np.allclose(F, [[1.0, 2.0, np.sin(2.0), 1.0], [0.25, -0.125, np.sin(0.25), -0.5]])
    with pytest.raises(ValueError, match="at least one"):
        playground.input_features(X, [])
    pg = make(lesson, features=("x1^2", "x2^2"))
    assert pg.layer_sizes[0] == 2 and pg.features == ["x1^2", "x2^2"] and pg.last_error is None
    assert pg.params[0][0].shape[0] == 2
    before = pg.last_png
    pg.controls["feature x1*x2"].value = True  # a structural change: a new network with three inputs
    assert pg.layer_sizes[0] == 3 and pg.step == 0 and pg.last_png != before
    with pytest.raises(ValueError, match="unknown input feature"):
        make(lesson, features=("x3",))


def test_squared_features_let_a_network_without_activations_draw_the_ring(lesson):
    """The lesson's Question 2: with x1 and x2 a linear network cannot separate the circles; with x1² and x2²
    even a network without hidden layers can (its boundary is an ellipse)."""
    def test_accuracy(pg):
        z = np.asarray(pg.fns[1](pg.F_test, pg.params)[0], float).ravel()
        return np.mean((z >= 0) == pg.y_test)

    common = dict(dataset="circles", n_points=300, resolution=25)
    line = make(lesson, activation="linear", **common).train(300)
    ring = make(lesson, hidden_layers=0, features=("x1^2", "x2^2"), **common).train(300)
    assert test_accuracy(line) < 0.7 < 0.95 < test_accuracy(ring)


def test_l2_adds_the_lessons_weight_decay_before_the_students_step(lesson):
    """L2 = lam trains with dW + weight_decay(W, lam): the same run as an sgd_step that adds it itself."""
    seen = []

    def decay(W, lam):
        seen.append(lam)
        return lam * W

    decayed = make(lesson, weight_decay=decay, l2=0.03, dataset="xor").train(20)
    assert decayed.last_error is None and set(seen) == {0.03} and len(seen) == 20 * 3  # 3 layers, 20 steps
    namespace = lesson_namespace()
    plain_sgd = namespace["sgd_step"]
    namespace["sgd_step"] = lambda params, grads, lr: plain_sgd(
        params, [(dW + 0.03 * W, db) for (W, _), (dW, db) in zip(params, grads)], lr)
    by_hand = playground.Playground(*students(namespace), activations=PAIRS, dataset="xor", **SMALL).train(20)
    assert all(np.allclose(W, V) for (W, _), (V, _) in zip(decayed.params, by_hand.params))
    plain = make(lesson, weight_decay=decay, dataset="xor").train(20)
    assert sum(np.sum(W ** 2) for W, _ in decayed.params) < sum(np.sum(W ** 2) for W, _ in plain.params)
    no_function = make(lesson, l2=0.01).train(5)
    assert "weight_decay" in str(no_function.last_error)
