"""utils.playground: the lesson-05 playground, driven without a browser.

Controls are set and buttons pressed programmatically; the tests check that the picture
changes, that training lowers the loss, that the student's functions are the ones used,
and that unfinished or diverging code is reported instead of breaking the widget.
"""

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import playground, toy  # noqa: E402

from . import submissions as subs  # noqa: E402

SMALL = dict(n_points=120, resolution=25, steps_per_click=40, steps_per_frame=5)


@pytest.fixture(scope="module")
def lesson():
    """The reference answers of lesson 05: the functions students write."""
    namespace = {"np": np}
    for source in subs.reference_answers("05-neural-network").values():
        exec(source, namespace)
    return namespace


def make(lesson, **settings):
    fns = [lesson[name] for name in ("mlp_forward", "mlp_backward", "init_params", "sgd_step")]
    return playground.Playground(*fns, **{**SMALL, **settings})


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


def test_the_students_functions_do_the_work(lesson):
    calls = {"forward": 0, "backward": 0, "init": 0, "sgd": 0}

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    pg = playground.Playground(counted("forward", lesson["mlp_forward"]), counted("backward", lesson["mlp_backward"]),
                               counted("init", lesson["init_params"]), counted("sgd", lesson["sgd_step"]), **SMALL)
    pg.train(10)
    assert calls["init"] == 1 and calls["backward"] == 10 and calls["sgd"] == 10 and calls["forward"] > 10
    before = dict(calls)
    pg.controls["activation"].value = "tanh"  # a built-in network: the student's forward is not used
    pg.train(10)
    assert calls["forward"] == before["forward"] and calls["backward"] == before["backward"]
    assert calls["sgd"] == before["sgd"] + 10, "the student's sgd_step serves every activation"
    assert pg.step == 10 and pg.last_error is None


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


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_builtin_activations_train_and_have_correct_gradients(activation):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 2)), rng.integers(0, 2, 7)
    params = playground.builtin_init([2, 4, 3, 1], seed=1, activation=activation)
    out, caches = playground.builtin_forward(X, params, activation)
    _, dout = playground.logistic_loss(out, y)
    grads = playground.builtin_backward(dout, caches, activation)
    h = 1e-6
    for (W, b), (dW, db) in zip(params, grads):
        for array, grad in ((W, dW), (b, db)):
            assert grad.shape == array.shape
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + h
                up = playground.logistic_loss(playground.builtin_forward(X, params, activation)[0], y)[0]
                array[idx] = old - h
                down = playground.logistic_loss(playground.builtin_forward(X, params, activation)[0], y)[0]
                array[idx] = old
                assert abs((up - down) / (2 * h) - grad[idx]) < 1e-7
    pg = playground.Playground(activation=activation, dataset="blobs", **SMALL)
    pg.train(40)
    assert pg.history["train"][-1] < pg.history["train"][0]


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
    def not_done(*args):
        raise NotImplementedError()

    pg = playground.Playground(not_done, not_done, **SMALL)
    assert isinstance(pg.last_error, NotImplementedError) and pg.last_png is None
    pg.train_button.click()  # still no crash
    assert isinstance(pg.last_error, NotImplementedError)
    half = playground.Playground(lesson["mlp_forward"], not_done, lesson["init_params"], lesson["sgd_step"], **SMALL)
    assert half.last_error is None, "the first picture needs only the forward pass"
    half.train(5)
    assert isinstance(half.last_error, NotImplementedError)
    half.controls["activation"].value = "tanh"  # the built-in network still works
    half.train(5)
    assert half.last_error is None and half.step == 5


def test_divergence_is_reported_and_stops_training(lesson):
    def exploding_step(params, grads, lr):
        return [(W * 1e200, b) for W, b in params]

    pg = playground.Playground(lesson["mlp_forward"], lesson["mlp_backward"], lesson["init_params"], exploding_step,
                               **SMALL)
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
