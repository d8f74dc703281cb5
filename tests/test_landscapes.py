"""utils.landscapes: surfaces with correct gradients, paths clipped where they leave, and live widgets."""

import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import data, landscapes  # noqa: E402


def gradient_descent(grad_fn, w0, lr, steps):
    path = [np.array(w0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - lr * np.asarray(grad_fn(path[-1])))
    return np.array(path)


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def logistic_regression_fit(X, y, lr=0.1, epochs=100):
    X = np.asarray(X, dtype=float)
    w, b, costs = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        p = sigmoid(X @ w + b)
        q = np.clip(p, 1e-12, 1 - 1e-12)
        costs.append(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
        w, b = w - lr * X.T @ (p - y) / len(y), b - lr * np.mean(p - y)
    return w, b, costs


@pytest.mark.parametrize("name", sorted(landscapes.SURFACES))
def test_surface_gradients_match_centred_differences(name):
    surface = landscapes.SURFACES[name]
    rng = np.random.default_rng(0)
    h = 1e-6
    for w in rng.uniform(-3, 3, size=(20, 2)):
        numeric = [(surface.cost(*(w + h * e)) - surface.cost(*(w - h * e))) / (2 * h) for e in np.eye(2)]
        assert np.allclose(surface.grad(w), numeric, atol=1e-6)


@pytest.mark.parametrize("name", sorted(landscapes.SURFACES))
def test_the_marked_minimum_is_the_lowest_point(name):
    surface = landscapes.SURFACES[name]
    xx, yy, zz = landscapes.surface_grid(name)
    lowest = surface.cost(*surface.minima[0])
    assert lowest <= zz.min() + 1e-9
    assert np.allclose(surface.grad(np.array(surface.minima[0])), 0)


def test_bumpy_surface_has_other_valleys():
    surface = landscapes.SURFACES["bumpy"]
    end = gradient_descent(surface.grad, np.array([-2.2, 2.4]), 0.1, 300)[-1]
    assert np.linalg.norm(surface.grad(end)) < 1e-6 and np.linalg.norm(end) > 1, "a local minimum away from the origin"


def test_clip_path_keeps_a_path_that_stays_inside():
    path = np.array([[-1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    inside, exit_point, exit_step = landscapes.clip_path(path)
    assert np.array_equal(inside, path) and exit_point is None and exit_step is None


def test_clip_path_finds_where_the_path_crosses_the_edge():
    path = np.array([[0.0, 0.0], [2.0, 1.0], [5.0, 2.5], [-9.0, 1.0]])
    inside, exit_point, exit_step = landscapes.clip_path(path)
    assert exit_step == 2 and len(inside) == 2
    assert np.allclose(exit_point, [3.0, 1.5]), "on the segment from (2, 1) to (5, 2.5), at the right edge x = 3"


def test_clip_path_survives_huge_and_overflowed_points():
    with np.errstate(all="raise"):
        inside, exit_point, exit_step = landscapes.clip_path(np.array([[1.0, 1.0], [-1e300, 2e300]]))
    assert exit_step == 1 and np.allclose(exit_point, [0.0, 3.0]), "heading (-1, 2) from (1, 1): out at the top edge"
    inside, exit_point, exit_step = landscapes.clip_path(np.array([[1.0, 1.0], [2.0, 2.0], [np.inf, np.nan]]))
    assert exit_step == 2 and exit_point is None and len(inside) == 2
    inside, exit_point, exit_step = landscapes.clip_path(np.array([[5.0, 0.0], [0.0, 0.0]]))
    assert exit_step == 0 and exit_point is None and len(inside) == 0


@pytest.mark.parametrize("lr, expected", [(0.01, "crawling"), (1.0, "converged"), (1.9, "zig-zagging"),
                                          (2.5, "diverged")])
def test_verdict_names_the_four_behaviours_on_the_bowl(lr, expected):
    path = gradient_descent(landscapes.SURFACES["bowl"].grad, np.array([-2.0, 1.5]), lr, 30)
    assert expected in landscapes.verdict("bowl", path)


def test_verdict_says_when_a_valley_is_not_the_lowest():
    path = gradient_descent(landscapes.SURFACES["bumpy"].grad, np.array([-2.2, 2.4]), 0.1, 300)
    assert "not the lowest" in landscapes.verdict("bumpy", path)


def test_landscape_explorer_redraws_for_every_control_with_the_students_function():
    calls = []

    def recorded(grad_fn, w0, lr, steps):
        calls.append((w0.copy(), lr, steps))
        return gradient_descent(grad_fn, w0, lr, steps)

    explorer = landscapes.landscape_explorer(recorded)
    assert explorer.last_png and explorer.last_error is None and calls
    for name, value in [("surface", "ravine"), ("lr", 0.3), ("steps", 50), ("w1", 1.5), ("w2", -2.0),
                        ("surface", "bumpy")]:
        before = explorer.last_png
        explorer.controls[name].value = value
        assert explorer.last_error is None, f"{name}: {explorer.last_error}"
        assert explorer.last_png != before, f"moving {name} must change the picture"
    w0, lr, steps = calls[-1]
    assert np.allclose(w0, [1.5, -2.0]) and np.isclose(lr, 0.3) and steps == 50


def test_landscape_explorer_draws_divergence_instead_of_failing():
    explorer = landscapes.landscape_explorer(gradient_descent, surface="bowl", lr=0.1, steps=200)
    explorer.controls["lr"].value = 10.0   # each step multiplies w by -9: inf long before step 200
    assert explorer.last_error is None and explorer.last_png
    ax_path, ax_cost = explorer.figure.axes[:2]
    assert any("diverging" in t.get_text() for t in ax_path.texts), "the exit is explained on the landscape"
    assert ax_path.get_xlim() == landscapes.LIMITS, "the view stays on the landscape"
    assert "diverged" in ax_cost.get_title()
    assert any("diverged" in text.get_text() for text in ax_cost.get_legend().get_texts())


def test_landscape_explorer_redraws_in_well_under_a_second():
    explorer = landscapes.landscape_explorer(gradient_descent, surface="ravine", steps=200)
    times = []
    for lr in (0.05, 0.2, 0.45):
        start = time.process_time()   # CPU time: other work on the machine does not count
        explorer.controls["lr"].value = lr
        times.append(time.process_time() - start)
    assert sorted(times)[1] < 1.0, f"a redraw took {sorted(times)[1]:.2f} s of CPU"


def test_landscape_explorer_explains_wrong_shapes_and_unfinished_code():
    def no_start(grad_fn, w0, lr, steps):
        return gradient_descent(grad_fn, w0, lr, steps)[1:]

    explorer = landscapes.landscape_explorer(no_start)
    assert isinstance(explorer.last_error, ValueError) and "shape" in str(explorer.last_error)

    def not_done(grad_fn, w0, lr, steps):
        raise NotImplementedError()

    explorer = landscapes.landscape_explorer(not_done)
    assert isinstance(explorer.last_error, NotImplementedError)
    explorer.controls["lr"].value = 0.5  # still no crash
    assert explorer.renders == 2


def test_parabola_panels_show_the_four_cases():
    fig, axes = plt.subplots(1, 4)
    paths = landscapes.parabola_panels(gradient_descent, [0.1, 0.6, 1.7, 2.15], axes, c=1.0, w0=-1.5, steps=8)
    titles = [ax.get_title() for ax in axes]
    assert "crawls" in titles[0] and "converges" in titles[1] and "oscillates" in titles[2]
    assert "diverges" in titles[3]
    assert np.allclose(paths[2][1], -1.5 * (1 - 1.7)), "the paths are the student's iterates"
    plt.close(fig)


@pytest.fixture(scope="module")
def digits():
    mnist = data.load_mnist(verbose=False)
    return data.to_features(mnist.X_train[:300]), mnist.y_train[:300], data.to_features(mnist.X_test[:200]), \
        mnist.y_test[:200]


def test_logistic_mnist_explorer_retrains_for_each_control(digits):
    X, labels, X_test, labels_test = digits
    calls = []

    def recorded(X, y, lr=0.1, epochs=100):
        calls.append((y.copy(), lr, epochs))
        return logistic_regression_fit(X, y, lr=lr, epochs=epochs)

    explorer = landscapes.logistic_mnist_explorer(recorded, X, labels, X_test, labels_test, digit=3, lr=0.1, epochs=10)
    assert explorer.last_png and explorer.last_error is None
    y, lr, epochs = calls[-1]
    assert np.array_equal(y, labels == 3) and lr == 0.1 and epochs == 10, "one digit against the rest"
    for name, value in [("lr", 1.0), ("epochs", 20), ("digit", 7)]:
        before = explorer.last_png
        explorer.controls[name].value = value
        assert explorer.last_error is None and explorer.last_png != before
    assert np.array_equal(calls[-1][0], labels == 7)


def test_logistic_mnist_explorer_survives_a_huge_learning_rate_and_reports_bad_costs(digits):
    X, labels, _, _ = digits
    explorer = landscapes.logistic_mnist_explorer(logistic_regression_fit, X, labels, epochs=10)
    explorer.controls["lr"].value = 100.0
    assert explorer.last_error is None and explorer.last_png

    def one_cost_short(X, y, lr=0.1, epochs=100):
        w, b, costs = logistic_regression_fit(X, y, lr=lr, epochs=epochs)
        return w, b, costs[1:]

    broken = landscapes.logistic_mnist_explorer(one_cost_short, X, labels, epochs=10)
    assert isinstance(broken.last_error, ValueError) and "per epoch" in str(broken.last_error)
