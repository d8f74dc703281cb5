"""utils.optimizers_viz: landscapes, paths and the lesson-06 widgets, driven without a browser."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import optimizers_viz


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bowl(theta):
    return 0.5 * float(np.sum(np.array([1.0, 4.0]) * np.asarray(theta) ** 2))


def gd_run(batch_size, lr, epochs):
    """A stand-in for the lesson's run_sgd: noisy steps whose noise shrinks with the batch size."""
    rng = np.random.default_rng(0)
    theta, path = np.array([2.0, 1.0]), [np.array([2.0, 1.0])]
    for _ in range(epochs * max(1, 64 // batch_size)):
        theta = theta - lr * (np.array([1.0, 4.0]) * theta + rng.normal(size=2) / np.sqrt(batch_size))
        path.append(theta)
    return np.array(path)


def test_loss_grid_evaluates_the_function_on_the_grid():
    xx, yy, zz = optimizers_viz.loss_grid(bowl, (-1, 1), (-2, 2), resolution=5)
    assert xx.shape == yy.shape == zz.shape == (5, 5)
    assert np.isclose(zz[2, 2], 0.0) and np.isclose(zz[0, 0], bowl([-1, -2]))


def test_landscape_and_paths_are_labelled_and_survive_divergence():
    fig, ax = plt.subplots()
    optimizers_viz.draw_landscape(ax, optimizers_viz.loss_grid(bowl, (-3, 3), (-3, 3), 30), minimum=(0, 0))
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    diverged = np.array([[1.0, 1.0], [2.0, -3.0], [np.inf, np.nan], [np.nan, np.nan]])
    optimizers_viz.draw_path(ax, diverged, "too fast", "red")
    labels = [line.get_label() for line in ax.lines]
    assert "too fast (diverged)" in labels
    drawn = next(line for line in ax.lines if line.get_label() == "too fast (diverged)")
    assert len(drawn.get_xdata()) == 2, "the path stops before the first point that overflowed"
    losses = optimizers_viz.path_losses(bowl, diverged)
    assert np.isfinite(losses[:2]).all() and np.isinf(losses[2:]).all()


def test_batch_size_explorer_redraws_when_the_sliders_move():
    explorer = optimizers_viz.batch_size_explorer(gd_run, bowl, 64, xlim=(-3, 3), ylim=(-3, 3),
                                                  minimum=(0, 0), lr=0.1, epochs=2)
    assert explorer.last_error is None and explorer.last_png
    assert 64 in explorer.controls["batch_size"].options, "the full batch is one of the choices"
    first = explorer.last_png
    explorer.controls["batch_size"].value = 1
    assert explorer.last_error is None and explorer.last_png != first, "a new batch size must change the picture"
    second = explorer.last_png
    explorer.controls["lr"].value = 0.5
    assert explorer.last_png != second, "a new learning rate must change the picture"


def test_batch_size_explorer_shows_a_diverging_run_without_failing():
    def exploding(batch_size, lr, epochs):
        return np.array([[1.0, 1.0], [10.0, -10.0], [1e200, -1e200], [np.inf, -np.inf], [np.nan, np.nan]])
    explorer = optimizers_viz.batch_size_explorer(exploding, bowl, 16, xlim=(-3, 3), ylim=(-3, 3), epochs=1)
    assert explorer.last_error is None and explorer.last_png


def test_batch_size_explorer_reports_unfinished_code():
    def not_done(batch_size, lr, epochs):
        raise NotImplementedError()
    explorer = optimizers_viz.batch_size_explorer(not_done, bowl, 16, xlim=(-3, 3), ylim=(-3, 3))
    assert isinstance(explorer.last_error, NotImplementedError) and explorer.last_png is None


def test_optimizer_race_redraws_for_every_control():
    calls = []

    def run(lr, adam_lr, beta, noise, steps):
        calls.append((lr, adam_lr, beta, noise, steps))
        rng = np.random.default_rng(0)
        paths = {}
        for name, scale in (("SGD", lr), ("momentum", lr * (1 + beta)), ("Adam", adam_lr)):
            theta, path = np.array([-2.0, 1.0]), [np.array([-2.0, 1.0])]
            for _ in range(steps):
                theta = theta * (1 - min(scale, 0.9)) + noise * 0.01 * rng.normal(size=2)
                path.append(theta)
            paths[name] = np.array(path)
        return paths

    race = optimizers_viz.optimizer_race(run, bowl, xlim=(-3, 3), ylim=(-2, 2), minimum=(0, 0), steps=20)
    assert race.last_error is None and race.last_png
    seen = {race.last_png}
    for name, value in (("lr", 0.05), ("adam_lr", 0.02), ("beta", 0.5), ("noise", 1.0), ("steps", 50)):
        race.controls[name].value = value
        assert race.last_error is None, race.last_error
        assert race.last_png not in seen, f"moving {name} must change the picture"
        seen.add(race.last_png)
    assert calls[-1] == (pytest.approx(0.05), pytest.approx(0.02), 0.5, 1.0, 50)
