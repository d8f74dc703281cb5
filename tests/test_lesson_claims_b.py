"""What lessons 01, 06, 07 and 08 say in words, checked by computation.

Two kinds of claim. A number or formula the text states (a ratio, a limit, a constant) is
recomputed here from scratch. A statement about a figure or a run ("the small network
underfits", "the weights shrink more than thirtyfold") is checked against what the solution
notebook printed in fast mode, the mode Validate, grading and CI run in, so that quick mode
never contradicts the lesson. The notebook run is the one tests/test_lessons.py makes
(lesson_checks.run_solution, cached), so these checks cost no extra run.
"""

import re

import numpy as np
import pytest

from .lesson_checks import run_solution


def printed(lesson):
    run = run_solution(lesson)
    assert not run.errors, f"{lesson}: the notebook did not run: {run.errors}"
    return run.printed


def numbers_after(text, label):
    """The numbers on the first printed line that contains `label`, after it."""
    for line in text.splitlines():
        if label in line:
            return [float(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*\.?\d*(?:e[-+]?\d+)?", line.split(label, 1)[1])]
    raise AssertionError(f"nothing printed {label!r}")


# ---------------------------------------------------------------- lesson 01


def reference_perceptron(X, y, lr, epochs):
    X = np.asarray(X, dtype=float)
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for x, t in zip(X, y):
            d = t - int(x @ w + b >= 0)
            if d:
                w, b, mistakes = w + lr * d * x, b + lr * d, mistakes + 1
        history.append((w.copy(), b, mistakes))
    return history


def test_01_boundary_geometry():
    """w is perpendicular to the line w.x + b = 0 and points to the side that says 1; the line's
    distance from the origin is |b| / ||w||; scaling w and b together does not move it."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        w, b = rng.normal(size=2), rng.normal()
        direction = np.array([-w[1], w[0]])                   # along the line
        on_line = -b * w / (w @ w)                            # the point of the line nearest the origin
        assert np.isclose(w @ on_line + b, 0) and np.isclose(w @ (on_line + 3 * direction) + b, 0)
        assert np.isclose(np.linalg.norm(on_line), abs(b) / np.linalg.norm(w))
        assert w @ (on_line + 0.1 * w) + b > 0, "w points to the side that outputs 1"
        assert np.isclose((2.5 * w) @ on_line + 2.5 * b, 0), "a longer w (and b with it) leaves the line in place"


def test_01_update_raises_z_by_lr_times_squared_norm():
    rng = np.random.default_rng(2)
    w, b, x, lr = rng.normal(size=5), 0.3, rng.normal(size=5), 0.7
    new_w, new_b = w + lr * x, b + lr
    assert np.isclose(new_w @ x - w @ x, lr * x @ x)
    assert np.isclose((new_w @ x + new_b) - (w @ x + b), lr * (x @ x + 1))


def test_01_xor_mistakes_never_stop_and_the_weights_cycle():
    X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])
    history = reference_perceptron(X, y, 1.0, 20)
    assert min(m for _, _, m in history) > 0
    ends = {(tuple(w), b) for w, b, _ in history[2:]}
    assert len(ends) == 1, "after the first epochs every epoch ends with the same weights: a cycle"
    text = printed("01-perceptron")
    assert min(numbers_after(text, "mistakes per epoch on XOR:")) > 0


def test_01_learning_rate_changes_no_prediction_from_zero_weights():
    text = printed("01-perceptron")
    runs = [line for line in text.splitlines() if line.startswith("lr=")]
    assert len(runs) == 2
    tail = [line.split("mistakes per epoch=")[1] for line in runs]
    assert tail[0] == tail[1], "the same mistakes and the same predictions for lr 1.0 and 0.01"
    X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 1])
    for (w1, b1, m1), (w2, b2, m2) in zip(reference_perceptron(X, y, 1.0, 6), reference_perceptron(X, y, 0.01, 6)):
        assert m1 == m2 and np.allclose(w2, 0.01 * w1) and np.isclose(b2, 0.01 * b1)


def test_01_loops_are_slower_than_one_matrix_product():
    loop, vector = numbers_after(printed("01-perceptron"), "200 x 784: Python loops")[:2]
    assert loop > 10 * vector, "the text says the matrix product is much faster"


# ---------------------------------------------------------------- lesson 06


def adam_ratio(t, beta1=0.9, beta2=0.999):
    """Uncorrected / corrected Adam step for a constant gradient, at step t."""
    return (1 - beta1 ** t) / np.sqrt(1 - beta2 ** t)


def test_06_adam_without_bias_correction_takes_larger_steps():
    t = np.arange(1, 20_001)
    ratio = adam_ratio(t)
    assert np.isclose(ratio[0], 0.1 / np.sqrt(0.001)) and 3.1 < ratio[0] < 3.2, "about 3.2 times larger at t = 1"
    peak = int(t[np.argmax(ratio)])
    assert 8 <= peak <= 15 and 6.4 < ratio.max() < 6.7, "peaks near 6.5 around step 10"
    settled = int(t[np.argmax(ratio < 1.01)])
    assert 3500 <= settled <= 4500, "within 1% of 1 only after about 4,000 steps"
    assert np.all(ratio > 1), "never smaller than the corrected step"
    # The same from Adam's own recursion on a constant gradient.
    m = v = 0.0
    for step in range(1, 51):
        m, v = 0.9 * m + 0.1 * 3.0, 0.999 * v + 0.001 * 9.0
        assert np.isclose((m / np.sqrt(v)) / ((m / (1 - 0.9 ** step)) / np.sqrt(v / (1 - 0.999 ** step))), adam_ratio(step))
    # m catches up within a few dozen steps, v needs a few thousand.
    assert 1 - 0.9 ** 40 > 0.98 and 1 - 0.999 ** 2000 < 0.9
    table = numbers_after(printed("06-minibatch-sgd"), "uncorrected / corrected:")
    assert np.allclose(table, [adam_ratio(s) for s in (1, 2, 5, 10, 100, 1000, 3000, 5000)], atol=0.006)


def test_06_ravine_and_momentum_numbers():
    curvature = np.array([0.02, 4.0])
    assert curvature[1] / curvature[0] == pytest.approx(200), "the walls are 200 times steeper (curvature)"
    assert 2 / curvature.max() == pytest.approx(0.5), "plain descent bounces out above lr = 0.5"
    v = 0.0
    for _ in range(500):
        v = 0.9 * v + 1.0
    assert v == pytest.approx(1 / (1 - 0.9)) == pytest.approx(10), "momentum's velocity grows to 10 gradients"


def test_06_noise_shrinks_like_one_over_sqrt_batch():
    ratios = numbers_after(printed("06-minibatch-sgd"), "8 times the batch divides it by")[:2]
    for r in ratios:
        assert abs(r - np.sqrt(8)) < 0.4


def line_sgd(batch, lr, epochs):
    """Lesson 06's line problem and run_sgd, written out: the loss above the minimum after every
    update of the last epoch, and at the end."""
    rng = np.random.default_rng(6)
    x = rng.normal(1.0, 1.0, size=1000)
    y = 2.0 * x - 1.0 + rng.normal(0.0, 1.0, size=1000)
    best = np.linalg.lstsq(np.column_stack([x, np.ones(1000)]), y, rcond=None)[0]

    def excess(theta):
        return np.mean((x * theta[0] + theta[1] - y) ** 2) - np.mean((x * best[0] + best[1] - y) ** 2)

    order_rng, theta, last = np.random.default_rng(0), np.array([-1.5, 3.0]), []
    for epoch in range(epochs):
        order = order_rng.permutation(1000)
        for start in range(0, 1000, batch):
            b = order[start:start + batch]
            r = x[b] * theta[0] + theta[1] - y[b]
            theta = theta - lr * 2 * np.array([np.mean(r * x[b]), np.mean(r)])  # the gradient of the mean squared error
            if epoch == epochs - 1:
                last.append(excess(theta))
    return np.array(last), excess(np.array([-1.5, 3.0]))


def test_06_noisy_floor_numbers_of_question_2():
    """The reference answer's floors (mean loss above the minimum over the 10th epoch): about 2e-1,
    4e-2 and 8e-3 for batches 1, 4 and 16 at lr 0.05; 4e-3 and 2e-2 for lr 0.025 and 0.1 at batch 16."""
    for batch, lr, stated in ((1, 0.05, 2e-1), (4, 0.05, 4e-2), (16, 0.05, 8e-3), (16, 0.025, 4e-3), (16, 0.1, 2e-2)):
        assert stated / 1.6 < np.mean(line_sgd(batch, lr, 10)[0]) < stated * 1.6, (batch, lr)


def test_06_three_epochs_of_section_3():
    """Question 1's reference answer: in three epochs at lr 0.025 the loss above the minimum falls from
    12.6 to about 0.28 (batches of 32) and about 0.1 (single examples); full batch is still at 10.4."""
    start = line_sgd(1000, 0.025, 3)[1]
    assert abs(start - 12.6) < 0.2
    for batch, stated in ((1000, 10.4), (32, 0.28), (1, 0.1)):
        assert stated / 1.25 < line_sgd(batch, 0.025, 3)[0][-1] < stated * 1.25, batch


def test_06_cosine_settles_lower_than_constant():
    constant, cosine = numbers_after(printed("06-minibatch-sgd"), "over the last quarter:")
    assert cosine < constant / 3


def test_06_lr_range_test():
    lowest, explodes, rule = numbers_after(printed("06-minibatch-sgd"), "lowest cost at lr")[:3]
    assert 0.5 < explodes < 2.0, "the widget's range (up to 2) contains the point where the cost explodes"
    assert lowest < explodes and np.isclose(rule, explodes / 10, atol=0.01)
    # The line problem's cost (the mean squared error) is quadratic with Hessian 2 [[mean x^2, mean x], [mean x, 1]];
    # gradient descent diverges above 2 / (its largest eigenvalue): the range test must find that.
    rng = np.random.default_rng(6)
    x = rng.normal(1.0, 1.0, size=1000)
    hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    limit = 2 / np.linalg.eigvalsh(hessian).max()
    assert 0.5 * limit < explodes < 2 * limit


# ---------------------------------------------------------------- lesson 07


def test_07_numbers_in_the_text():
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(np.float64(710))) and np.isfinite(np.exp(np.float64(709)))
    assert abs(np.finfo(np.float64).max / 1e308 - 1.8) < 0.01
    assert np.log(100) == pytest.approx(4.6, abs=0.01)
    assert -np.log(1e-12) == pytest.approx(27.6, abs=0.05)
    assert np.log(10) == pytest.approx(2.30, abs=0.005)
    assert np.exp(-800.0) == 0.0 and np.nextafter(0.0, 1.0) == pytest.approx(np.exp(-745), rel=0.5)
    weights = 784 * 256 + 256 * 128 + 128 * 10
    assert abs(weights - 235_000) < 1_000
    assert np.allclose(np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum(), [0.09003057, 0.24472847, 0.66524096])


def test_07_sanity_checks_and_quick_run_hold_in_fast_mode():
    text = printed("07-softmax-mnist")
    found = numbers_after(text, "cost before training:")    # "2.347; log 10 = 2.303"
    first, log10 = found[0], found[-1]
    assert np.isclose(log10, np.log(10), atol=1e-3)
    assert abs(first - log10) < 0.15, "the first cost is close to log 10"
    cost, acc = numbers_after(text, "20 digits after 100 steps:")[:2]
    assert cost < 0.05 and acc == 100, "the network memorises a tiny batch"
    train_acc, val_acc = numbers_after(text, "digits; accuracy")[:2]
    assert val_acc > 90, "the quick run reaches just over 90% (the text says so)"
    assert train_acc > val_acc, "lesson 08 opens with: right more often on the training digits"
    test_acc = numbers_after(text, "test accuracy")[0]
    assert 85 < test_acc < 100
    mistakes, total = (int(x) for x in re.search(r"(\d+) of (\d+) validation digits are misclassified", text).groups())
    assert total == 1000 and mistakes == pytest.approx(total * (1 - val_acc / 100), abs=1)


# ---------------------------------------------------------------- lesson 08


def test_08_three_sizes_underfit_fit_and_overfit():
    text = printed("08-regularization")
    rows = {int(h): (float(tr), float(low), float(end)) for h, tr, low, end in re.findall(
        r"(\d+) units: training loss ([\d.]+); validation loss lowest ([\d.]+) \(epoch \d+\), at the end ([\d.]+)", text)}
    assert set(rows) == {2, 4, 128}
    tr, low, end = rows[2]
    assert tr > 0.45 and abs(end - tr) < 0.05, "2 units: both losses high and equal (underfitting)"
    tr, low, end = rows[4]
    assert tr < 0.35 and end - low < 0.05, "4 units: validation within a few hundredths of its lowest"
    tr, low, end = rows[128]
    assert tr < rows[4][0] and end - low > 0.5, "128 units: training falls, validation climbs away (overfitting)"


def test_08_weight_decay_shrinks_the_weights_more_than_thirtyfold():
    factor = numbers_after(printed("08-regularization"), "sum of squared weights:")[-1]
    assert factor > 30


def test_08_test_set_and_splits():
    text = printed("08-regularization")
    test_acc = numbers_after(text, "test set, used once:")[1]
    rule = numbers_after(text, "four-quadrant rule that generated the data scores")[0]
    assert abs(test_acc - rule) <= 1.0, "within about a point of the rule that generated the data"
    assert "patients on both sides: 0" in text and "every example validated exactly once: True" in text
    assert len(re.findall(r"fold \d: validate on 40 examples, train on 160; patients on both sides: 0", text)) == 5


def test_08_numbers_in_the_text():
    # Inverted dropout keeps the mean: (1 - p) * a / (1 - p) + p * 0 = a.
    for p in (0.1, 0.5, 0.9):
        assert np.isclose((1 - p) * 2.0 / (1 - p), 2.0)
    # The standard error of an accuracy near 80-90% measured on 300 images is about 2 points.
    assert 0.015 < np.sqrt(0.85 * 0.15 / 300) < 0.025
    # One of 50 validation points is 2 percentage points.
    assert 1 / 50 == 0.02
    # W <- W - lr (grad + lam W) = (1 - lr lam) W - lr grad
    rng = np.random.default_rng(3)
    W, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert np.allclose(W - 0.1 * (G + 0.01 * W), (1 - 0.1 * 0.01) * W - 0.1 * G)
