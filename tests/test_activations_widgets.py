"""utils.activations: the lesson-02 widgets draw the student's functions, flag wrong slopes and survive bad code."""

import numpy as np
import pytest

from utils import activations


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_grad(z):
    return 1 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def relu_grad(z):
    return (np.asarray(z) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(np.asarray(z) > 0, 1.0, alpha)


FAMILY = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (np.tanh, tanh_grad),
    "ReLU": (relu, relu_grad),
    "leaky ReLU": (leaky_relu, leaky_relu_grad),
}


def test_evaluate_passes_alpha_only_to_functions_that_take_it():
    z = np.array([-2.0, 3.0])
    assert np.allclose(activations.evaluate(leaky_relu, z, alpha=0.5), [-1.0, 3.0])
    assert np.allclose(activations.evaluate(relu, z, alpha=0.5), [0.0, 3.0])
    assert activations.takes_alpha(leaky_relu) and not activations.takes_alpha(relu)


def test_evaluate_explains_a_wrong_shape_or_a_missing_return():
    with pytest.raises(ValueError, match="shape"):
        activations.evaluate(lambda z: np.max(z, 0), np.zeros(5), name="relu")
    with pytest.raises(ValueError, match="return"):
        activations.evaluate(lambda z: None, np.zeros(5))


def test_evaluate_never_lets_the_function_change_the_callers_array():
    def destructive(z):
        z[z < 0] = 0
        return z

    z = np.array([-1.0, 2.0])
    activations.evaluate(destructive, z)
    assert np.array_equal(z, [-1.0, 2.0])


def test_numerical_slope_matches_a_known_derivative():
    z = np.linspace(-4, 4, 9)
    assert np.allclose(activations.numerical_slope(np.tanh, z), tanh_grad(z), atol=1e-8)


def test_slopes_through_depth_multiplies_the_slopes_of_the_layers_above():
    w, b, x0 = 2.0, 0.5, 0.3
    a, gradient = activations.slopes_through_depth(sigmoid, sigmoid_grad, depth=3, w=w, b=b, x0=x0)
    z1 = w * x0 + b
    z2 = w * sigmoid(z1) + b
    z3 = w * sigmoid(z2) + b
    assert np.allclose(a, [x0, sigmoid(z1), sigmoid(z2), sigmoid(z3)])
    factors = w * sigmoid_grad(np.array([z1, z2, z3]))
    assert np.allclose(gradient, [factors.prod(), factors[1] * factors[2], factors[2]])
    # The chain rule, checked by nudging the input of the whole chain.
    h = 1e-6
    out = lambda x: activations.slopes_through_depth(sigmoid, sigmoid_grad, 3, w, b, x)[0][-1]
    assert np.isclose(gradient[0], (out(x0 + h) - out(x0 - h)) / (2 * h), rtol=1e-6)


def test_activation_explorer_redraws_when_a_control_moves():
    explorer = activations.activation_explorer(FAMILY)
    first = explorer.last_png
    assert first and explorer.last_error is None
    explorer.controls["name"].value = "tanh"
    assert explorer.last_png != first, "choosing another activation must change the picture"
    before = explorer.last_png
    explorer.controls["z0"].value = -2.0
    assert explorer.last_png != before, "moving the tangent point must change the picture"
    before = explorer.last_png
    explorer.controls["z_range"].value = 3.0
    assert explorer.last_png != before
    explorer.controls["name"].value = "leaky ReLU"
    before = explorer.last_png
    explorer.controls["alpha"].value = 0.3
    assert explorer.last_png != before, "alpha must reach the leaky ReLU"
    title = explorer.figure.axes[1].get_title()
    assert "leaky ReLU" in title and "0.3" in title, "the slope at z = -2 is alpha, and the title says so"


def test_activation_explorer_flags_a_wrong_slope_and_only_then():
    right = activations.activation_explorer({"sigmoid": (sigmoid, sigmoid_grad)})
    assert not any("disagree" in t.get_text() for t in right.figure.axes[1].texts)
    wrong = activations.activation_explorer({"sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - z))})
    assert wrong.last_error is None
    assert any("disagree" in t.get_text() for t in wrong.figure.axes[1].texts)
    relu_only = activations.activation_explorer({"ReLU": (relu, relu_grad)})
    assert not any("disagree" in t.get_text() for t in relu_only.figure.axes[1].texts), \
        "the kink of ReLU at 0 is not a wrong slope"


def test_activation_explorer_shows_unfinished_and_misshapen_code_in_place():
    def not_done(z):
        raise NotImplementedError()

    explorer = activations.activation_explorer({"sigmoid": (not_done, not_done), "ReLU": (relu, relu_grad)})
    assert isinstance(explorer.last_error, NotImplementedError) and explorer.last_png is None
    explorer.controls["name"].value = "ReLU"
    assert explorer.last_error is None and explorer.last_png
    broken = activations.activation_explorer({"relu": (lambda z: np.max(z, 0), relu_grad)})
    assert isinstance(broken.last_error, ValueError) and "shape" in str(broken.last_error)


def test_depth_explorer_shows_vanishing_exploding_and_dead_gradients():
    explorer = activations.depth_explorer(FAMILY, depth=20)
    assert explorer.last_png and explorer.last_error is None
    ax_g = explorer.figure.axes[1]
    sizes = {line.get_label(): line.get_ydata() for line in ax_g.get_lines() if not line.get_label().startswith("_")}
    sig = sizes["sigmoid"]
    assert len(sig) == 20 and sig[0] < 1e-10 < sig[-1], "sigmoid's gradient vanishes towards the first layer"
    assert np.allclose(sizes["ReLU"], 1.0), "with w = 1, b = 0 and a positive input, ReLU passes the gradient unchanged"

    before = explorer.last_png
    explorer.controls["b"].value = -1.0
    assert explorer.last_png != before
    labels = [line.get_label() for line in explorer.figure.axes[1].get_lines()]
    assert any(label.startswith("ReLU") and "reaches 0" in label for label in labels), "a dead ReLU is named"

    explorer.controls["b"].value = 0.0
    explorer.controls["w"].value = 4.0
    explorer.controls["depth"].value = 60
    assert explorer.last_error is None, "exploding gradients must be drawn, not crash"
    ax_g = explorer.figure.axes[1]
    relu_sizes = next(line.get_ydata() for line in ax_g.get_lines() if line.get_label() == "ReLU")
    assert relu_sizes[0] > 1e30, "w = 4 through 60 ReLU layers explodes"
