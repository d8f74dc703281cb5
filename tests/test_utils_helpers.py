"""utils: fast mode, toy data, plots and widgets, without a browser."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import utils
from utils import plots, toy, widgets


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("env, expected", [
    ({}, False), ({"DLCOURSE_FAST": "1"}, True), ({"DLCOURSE_FAST": "0"}, False),
    ({"DLCOURSE_FAST": "false"}, False), ({"NBGRADER_EXECUTION": "autograde"}, True),
])
def test_fast_mode_follows_ci_and_nbgrader(monkeypatch, env, expected):
    monkeypatch.delenv("DLCOURSE_FAST", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert utils.fast_mode() is expected
    assert utils.pick("normal", "fast") == ("fast" if expected else "normal")


def test_logic_gates_are_truth_tables():
    for name, truth in {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}.items():
        X, y = toy.logic_gate(name.lower())
        assert X.shape == (4, 2) and y.tolist() == truth
        # y really is the gate applied to the two inputs
        a, b = X[:, 0].astype(bool), X[:, 1].astype(bool)
        assert y.tolist() == {"AND": a & b, "OR": a | b, "NAND": ~(a & b), "XOR": a ^ b}[name].astype(int).tolist()
    with pytest.raises(ValueError, match="unknown gate"):
        toy.logic_gate("NOR2")


def test_linear_boundary_is_where_the_sum_is_zero():
    fig, ax = plt.subplots()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    w, b = np.array([1.0, 2.0]), -0.5
    plots.plot_linear_boundary(ax, w, b)
    xs, ys = ax.lines[0].get_data()
    assert np.allclose(w[0] * np.asarray(xs) + w[1] * np.asarray(ys) + b, 0)
    # A vertical line when w2 = 0, and no line (but a note) when w = 0.
    fig, ax = plt.subplots()
    plots.plot_linear_boundary(ax, np.array([2.0, 0.0]), -1.0)
    assert np.allclose(ax.lines[0].get_xdata(), 0.5)
    fig, ax = plt.subplots()
    plots.plot_linear_boundary(ax, np.zeros(2), 1.0)
    assert not ax.lines and "no boundary" in ax.texts[0].get_text()


def test_decision_regions_follow_the_model():
    X, y = toy.logic_gate("AND")
    fig, ax = plt.subplots()
    plots.plot_decision_regions(ax, lambda P: (P.sum(axis=1) > 1.5).astype(int), X, y)
    assert ax.get_title() == "" and ax.get_xlabel() and ax.get_ylabel()
    filled = ax.collections[0]
    assert len(filled.get_paths()) >= 1
    with pytest.raises(ValueError):
        plots.plot_decision_regions(ax, lambda P: np.zeros(3), X, y)  # wrong number of outputs


def test_curves_survive_divergence():
    fig, ax = plt.subplots()
    plots.plot_curves(ax, {"good": [1.0, 0.5, 0.25], "diverged": [1.0, 10.0, np.inf, np.nan]})
    labels = [line.get_label() for line in ax.lines]
    assert "good" in labels and "diverged (diverged)" in labels
    assert all(np.all(np.isfinite(line.get_ydata())) for line in ax.lines)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    fig, ax = plt.subplots()
    plots.plot_curves(ax, {"exploding": [1.0, 1e3, 1e6]})
    assert ax.get_yscale() == "log"


def test_digit_grid_marks_mistakes():
    images = np.zeros((3, 784))
    fig = plots.show_digits(images, labels=np.array([1, 2, 3]), predictions=np.array([1, 5, 3]), ncols=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:3] == ["1", "5 (2)", "3"]
    assert fig.axes[1].title.get_color() != fig.axes[0].title.get_color()


def test_png_rendering():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = plots.figure_png(fig)
    assert png.startswith(b"\x89PNG")


def test_perceptron_explorer_redraws_when_a_slider_moves():
    calls = []

    def predict(X, w, b):
        calls.append(w.copy())
        return (X @ w + b >= 0).astype(int)

    explorer = widgets.perceptron_explorer(predict)
    first = explorer.last_png
    assert first and explorer.last_error is None and calls
    explorer.controls["w1"].value = -1.0
    assert explorer.last_png != first, "moving w1 must change the picture"
    assert np.allclose(calls[-1], [-1.0, 1.0]), "the student's predict must be called with the slider values"
    before = explorer.last_png
    explorer.controls["gate"].value = "XOR"
    assert explorer.last_png != before
    title = explorer.figure.axes[0].get_title()
    assert title.startswith("XOR") and "of 4" in title


def test_widget_shows_a_friendly_message_for_unfinished_code():
    def not_done(X, w, b):
        raise NotImplementedError()

    explorer = widgets.perceptron_explorer(not_done)
    assert isinstance(explorer.last_error, NotImplementedError) and explorer.last_png is None
    assert "Not yet" in explorer.message and "not_done is not implemented yet" in explorer.message, \
        "the message in place of the figure names the unfinished function"
    explorer.controls["b"].value = 0.5  # still no crash
    assert explorer.renders == 2


def test_perceptron_explorer_needs_the_students_function():
    """utils has no perceptron of its own: the figure is drawn by the function the lesson passes in."""
    with pytest.raises(TypeError):
        widgets.perceptron_explorer()


@pytest.mark.parametrize("name", sorted(toy.DATASETS))
def test_two_d_datasets_are_seeded_balanced_and_shaped(name):
    X, y = toy.make_dataset(name, n=101, noise=0.05, seed=1)
    X2, y2 = toy.make_dataset(name, n=101, noise=0.05, seed=1)
    assert X.shape == (101, 2) and y.shape == (101,) and set(np.unique(y)) == {0, 1}
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert abs(np.sum(y == 1) - np.sum(y == 0)) <= 1
    assert not np.array_equal(X, toy.make_dataset(name, n=101, noise=0.05, seed=2)[0])
    # the labels mean what the names say
    if name == "circles":
        r = np.linalg.norm(X, axis=1)
        assert r[y == 0].mean() > r[y == 1].mean() + 0.3
    if name == "xor":
        clean, yc = toy.make_dataset(name, n=400, noise=0.0, seed=1)
        assert np.array_equal(yc, ((clean[:, 0] > 0) != (clean[:, 1] > 0)).astype(int))
