"""utils.mnist_viz: lesson 07's digit explorer, driven without a browser."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import mnist_viz


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def digits():
    """30 made-up 'digits' of 784 pixels; the label is the index of the brightest block of 78 pixels."""
    rng = np.random.default_rng(0)
    X = rng.random((30, 784)) * 0.2
    y = np.arange(30) % 10
    for i, label in enumerate(y):
        X[i, label * 78:(label + 1) * 78] += 0.8
    return np.clip(X, 0, 1), y


def block_proba(X, wrong=()):
    """A fake network: softmax of the mean brightness of each block, sharpened; it reads rows whose
    first pixel has been set to exactly 1.0 as the next digit (so some answers are wrong)."""
    X = np.atleast_2d(X)
    means = X[:, :780].reshape(len(X), 10, 78).mean(axis=2)
    shifted = np.where(X[:, :1] == 1.0, np.roll(means, 1, axis=1), means)
    logits = 12 * shifted
    E = np.exp(logits - logits.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def with_mistakes(X, rows=(3, 7, 11)):
    X = X.copy()
    X[list(rows), 0] = 1.0
    return X


def test_ranked_sorts_mistakes_and_correct_answers_by_confidence(digits):
    X, y = digits
    X = with_mistakes(X)
    probs = block_proba(X)
    mistakes = mnist_viz.ranked(probs, y, "mistakes")
    assert sorted(mistakes.tolist()) == [3, 7, 11]
    correct = mnist_viz.ranked(probs, y, "correct")
    assert len(correct) == 27 and not set(correct) & {3, 7, 11}
    for order in (mistakes, correct):
        confidence = probs[order].max(axis=1)
        assert np.all(np.diff(confidence) <= 0), "the most confident first"
    with pytest.raises(ValueError):
        mnist_viz.ranked(probs, y, "everything")


def test_explorer_redraws_for_every_control_and_reports_what_it_shows(digits):
    X, y = digits
    X = with_mistakes(X)
    explorer = mnist_viz.digit_explorer(block_proba, X, y)
    assert explorer.last_error is None, explorer.last_error
    title = explorer.figure.axes[1].get_title()
    assert "wrong" in title, "the explorer starts with the most confident mistake"
    seen = {explorer.last_png}
    for name, value in (("rank", 1), ("noise", 0.5), ("kind", "correct")):
        explorer.controls[name].value = value
        assert explorer.last_error is None, explorer.last_error
        assert explorer.last_png not in seen, f"moving {name} must change the picture"
        seen.add(explorer.last_png)
    explorer.controls["noise"].value = 0.0
    explorer.controls["rank"].value = 0
    assert "(right)" in explorer.figure.axes[1].get_title()
    # A rank past the last mistake shows the last one instead of failing.
    explorer.controls["kind"].value = "mistakes"
    explorer.controls["rank"].value = 40
    assert explorer.last_error is None and "#3 of 3" in explorer.figure.axes[0].get_title()


def test_noise_changes_the_probabilities_and_stays_in_range(digits):
    X, y = digits
    clean = mnist_viz.noisy(X[0], 0.0)
    assert np.array_equal(clean, X[0])
    noisy = mnist_viz.noisy(X[0], 0.7, seed=1)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.allclose(noisy, X[0])
    assert np.array_equal(noisy, mnist_viz.noisy(X[0], 0.7, seed=1)), "the same seed gives the same noise"
    fig = plt.figure()
    p_clean, index = mnist_viz.draw_digit_probabilities(fig, block_proba, X, y, kind="correct", rank=0)
    fig.clear()
    p_noisy, index_noisy = mnist_viz.draw_digit_probabilities(fig, block_proba, X, y, kind="correct", rank=0, noise=1.0)
    assert index == index_noisy
    assert np.isclose(p_clean.sum(), 1) and np.isclose(p_noisy.sum(), 1)
    assert p_noisy.max() < p_clean.max(), "heavy noise makes the network less sure"


def test_plain_call_draws_the_same_figure_as_the_widget(digits):
    X, y = digits
    X = with_mistakes(X)
    explorer = mnist_viz.digit_explorer(block_proba, X, y, kind="correct", rank=2, noise=0.3)
    fig = explorer.figure_for()
    assert [ax.get_title() for ax in fig.axes] == [ax.get_title() for ax in explorer.figure.axes]
    for ax in fig.axes:
        assert ax.get_title()
    assert fig.axes[1].get_xlabel() and fig.axes[1].get_ylabel()
    other = explorer.figure_for(kind="mistakes", rank=0)
    assert "wrong" in other.axes[1].get_title() and explorer.controls["kind"].value == "correct", \
        "a plain call draws other settings without moving the controls"
    with pytest.raises(TypeError, match="no control named colour"):
        explorer.figure_for(colour="red")


def test_explorer_reports_unfinished_code(digits):
    X, y = digits

    def not_done(X):
        raise NotImplementedError()

    explorer = mnist_viz.digit_explorer(not_done, X, y)
    assert isinstance(explorer.last_error, NotImplementedError) and explorer.last_png is None
    assert "not_done" in explorer.message


def test_no_mistakes_is_said_in_words(digits):
    X, y = digits
    explorer = mnist_viz.digit_explorer(block_proba, X, y)
    assert explorer.last_png is None and "no mistakes" in str(explorer.last_error)
