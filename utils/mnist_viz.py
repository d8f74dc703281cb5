"""The interactive figure of lesson 07: a trained network's probabilities for one digit at a time.

The lesson passes in its own `predict_proba` (built on the student's softmax and the
network it trained); nothing here classifies anything by itself. The figure shows one
digit, with optional pixel noise, beside the ten probabilities the network gives it.
Digits are taken in order of the network's confidence: the most confident mistakes
first, or the most confident correct answers first.

`draw_digit_probabilities` draws the figure on any matplotlib figure; `digit_explorer`
puts sliders on it, and its `figure_for(...)` gives the same picture from a plain call
when widgets are not available.
"""

import ipywidgets as widgets
import numpy as np

from . import plots
from .widgets import LivePlot

KINDS = ("mistakes", "correct")
KIND_NAMES = {"mistakes": "mistakes, most confident first", "correct": "correct answers, most confident first"}


def ranked(probs, labels, kind="mistakes"):
    """Indices of the digits of one kind, the most confident prediction first.

    probs: (n, 10) probabilities; labels: (n,). kind: "mistakes" (predicted class != label)
    or "correct". Confidence is the probability of the predicted class.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    probs = np.asarray(probs, dtype=float)
    predicted = probs.argmax(axis=1)
    wanted = (predicted != np.asarray(labels)) if kind == "mistakes" else (predicted == np.asarray(labels))
    chosen = np.flatnonzero(wanted)
    confidence = probs[chosen, predicted[chosen]]
    return chosen[np.argsort(-confidence, kind="stable")]


def noisy(image, noise, seed=0):
    """image (784,) in [0, 1] plus Gaussian pixel noise of standard deviation `noise`, clipped to [0, 1]."""
    image = np.asarray(image, dtype=float)
    if noise <= 0:
        return image
    return np.clip(image + noise * np.random.default_rng(seed).standard_normal(image.shape), 0.0, 1.0)


def draw_digit_probabilities(fig, predict_proba, X, y, *, kind="mistakes", rank=0, noise=0.0, seed=0, order=None):
    """Draw digit number `rank` of one kind (see `ranked`) and its ten probabilities on `fig`.

    predict_proba: (m, 784) -> (m, 10) probabilities; X: (n, 784) pixels in [0, 1]; y: (n,).
    noise: standard deviation of the pixel noise added before predicting (0: none).
    order: the result of `ranked` for these digits, if already computed. Returns (probs, index):
    the probabilities shown, (10,), and the index of the digit in X.
    """
    if order is None:
        order = ranked(predict_proba(X), y, kind)
    if len(order) == 0:
        raise ValueError(f"there are no {KIND_NAMES[kind].split(',')[0]} to show")
    rank = int(min(max(rank, 0), len(order) - 1))
    index = int(order[rank])
    image = noisy(X[index], noise, seed)
    probs = np.asarray(predict_proba(image[None, :]), dtype=float).reshape(-1)
    predicted = int(probs.argmax())
    label = int(y[index])

    ax_image, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    ax_image.imshow(image.reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
    ax_image.set_xticks([])
    ax_image.set_yticks([])
    ax_image.set_title(f"{kind} #{rank + 1} of {len(order)}: label {label}\npixel noise {noise:g}")

    colors = [plots.OKABE_ITO["sky"]] * 10
    colors[predicted] = plots.OKABE_ITO["vermillion"]
    colors[label] = plots.OKABE_ITO["blue"]
    ax_bars.bar(np.arange(10), probs, color=colors)
    ax_bars.set_xticks(np.arange(10))
    ax_bars.set_ylim(0, 1)
    ax_bars.set_xlabel("digit (dark blue: the label, vermillion: the prediction if wrong)")
    ax_bars.set_ylabel("probability")
    verdict = "right" if predicted == label else "wrong"
    ax_bars.set_title(f"predicted {predicted} with p = {probs[predicted]:.2f} ({verdict}); "
                      f"p(label) = {probs[label]:.2f}")
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.17, top=0.85, wspace=0.25)
    return probs, index


def digit_explorer(predict_proba, X, y, *, kind="mistakes", rank=0, noise=0.0, max_rank=50, seed=0):
    """Sliders to step through a network's most confident mistakes (or correct answers) and to add
    pixel noise to the digit shown. predict_proba: (m, 784) -> (m, 10) probabilities, the lesson's
    own. Returns the LivePlot; the orders are computed once, on the first drawing of each kind."""
    orders = {}

    def order_of(kind):
        if kind not in orders:
            orders[kind] = ranked(predict_proba(X), y, kind)
        return orders[kind]

    style = {"description_width": "initial"}
    controls = {
        "kind": widgets.Dropdown(options=[(KIND_NAMES[k], k) for k in KINDS], value=kind, description="show",
                                 style=style, layout=widgets.Layout(width="330px")),
        "rank": widgets.IntSlider(value=rank, min=0, max=max_rank - 1, description="rank (0: most confident)",
                                  continuous_update=False, style=style, layout=widgets.Layout(width="330px")),
        "noise": widgets.FloatSlider(value=noise, min=0.0, max=1.0, step=0.05, description="pixel noise",
                                     continuous_update=False, style=style, layout=widgets.Layout(width="300px")),
    }

    def draw(fig, kind, rank, noise):
        draw_digit_probabilities(fig, predict_proba, X, y, kind=kind, rank=rank, noise=noise, seed=seed,
                                 order=order_of(kind))

    return LivePlot(controls, draw, figsize=(9.0, 3.6),
                    caption="Left: the digit the network sees (with the noise you add). Right: the ten "
                            "probabilities it gives; the label's bar is dark blue, a wrong prediction's "
                            "bar vermillion.")
