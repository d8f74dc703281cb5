"""Helpers for lesson 10 (convolutional networks): moving digits, looking inside a CNN, augmentation.

Nothing here is graded, and nothing here computes what an exercise asks for:
the lesson's numpy convolution, pooling and batch normalisation are the
students' own, and the pictures below read a trained torch model instead.

- ``shift_images`` and ``transform_images``: digits moved (and rotated);
- ``RandomShift``: a Dataset wrapper that shifts every training image by a
  random number of pixels, for the data-augmentation experiment;
- ``first_conv`` and ``feature_maps``: the first convolution of any model and
  what it computes for a batch (found by its type, so a student's own
  architecture works too);
- ``show_filters``: learned filters as small pictures;
- ``digit_view`` and ``digit_explorer``: one digit, moved and rotated, with the
  first layer's feature maps and the class probabilities that follow, as a
  plain figure or behind sliders.

Importing this module imports torch.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import Dataset

from . import plots
from .torch_helpers import show_weight_grid
from .widgets import LivePlot

__all__ = ["shift_images", "transform_images", "RandomShift", "first_conv", "feature_maps",
           "show_filters", "digit_view", "digit_explorer"]


# ------------------------------------------------------------- moving digits

def shift_images(images, dx, dy):
    """Images moved dx pixels right and dy pixels down; pixels that come in are 0 (background).

    images: (..., h, w). Returns a new array; the input is left unchanged.
    """
    images = np.asarray(images)
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    src_y, dst_y = slice(max(0, -dy), min(h, h - dy)), slice(max(0, dy), min(h, h + dy))
    src_x, dst_x = slice(max(0, -dx), min(w, w - dx)), slice(max(0, dx), min(w, w + dx))
    out[..., dst_y, dst_x] = images[..., src_y, src_x]
    return out


def transform_images(images, dx=0.0, dy=0.0, angle=0.0):
    """Images rotated by `angle` degrees (anticlockwise) about their centre, then moved dx right, dy down.

    images: (n, h, w) or (h, w), any real type on any scale. Returns float32
    of the same shape, bilinearly resampled; what comes in from outside is 0.
    Whole-pixel moves without rotation match shift_images up to float rounding.
    """
    images = np.asarray(images, dtype=np.float32)
    single = images.ndim == 2
    batch = torch.from_numpy(images[None] if single else images).unsqueeze(1)
    n, _, h, w = batch.shape
    theta = np.deg2rad(angle)
    cos, sin = np.cos(theta), np.sin(theta)
    # affine_grid maps each output position (x, y in [-1, 1], y pointing down) to the input position
    # it samples: the inverse of the motion. Scaling by w and h keeps the rotation a true rotation
    # in pixels when the image is not square.
    matrix = torch.tensor([[cos, -sin * h / w, -2.0 * dx / w],
                           [sin * w / h, cos, -2.0 * dy / h]], dtype=torch.float32)
    grid = F.affine_grid(matrix.expand(n, 2, 3), (n, 1, h, w), align_corners=False)
    out = F.grid_sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    out = out[:, 0].numpy()
    return out[0] if single else out


class RandomShift(Dataset):
    """A dataset whose images are moved by a random whole number of pixels each time they are read.

    dataset: yields (x, y) with x of shape (1, h, w), normalised (as
    torch_helpers.DigitDataset does); max_shift: the largest move, in pixels,
    along each axis; background: the normalised value of an empty pixel (what
    comes in at the border). Each read draws dx, dy uniformly from
    [-max_shift, max_shift] with a seeded generator, so epochs differ and runs repeat.
    """

    def __init__(self, dataset, max_shift=3, background=0.0, seed=0):
        self.dataset, self.max_shift, self.background = dataset, int(max_shift), float(background)
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x, y = self.dataset[i]
        dx, dy = (torch.randint(-self.max_shift, self.max_shift + 1, (2,), generator=self.generator)).tolist()
        moved = torch.roll(x, shifts=(dy, dx), dims=(-2, -1))
        h, w = x.shape[-2:]
        if dy > 0:
            moved[..., :dy, :] = self.background
        elif dy < 0:
            moved[..., h + dy:, :] = self.background
        if dx > 0:
            moved[..., :, :dx] = self.background
        elif dx < 0:
            moved[..., :, w + dx:] = self.background
        return moved, y


# -------------------------------------------------------- looking inside a CNN

def first_conv(model):
    """The first nn.Conv2d of `model` (in the order of model.modules()); LookupError if it has none."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return module
    raise LookupError("this model has no nn.Conv2d layer")


@torch.no_grad()
def feature_maps(model, x, after_relu=True):
    """What the model's first convolution computes for a batch, and the model's logits.

    x: (n, 1, h, w) float32 on the model's device. The model is put in eval mode.
    Returns (maps, logits) as numpy arrays: maps (n, channels, h', w') are the first
    convolution's outputs (clipped at 0 when after_relu, as the ReLU that usually
    follows would do), logits (n, classes).
    """
    conv = first_conv(model)
    found = {}
    handle = conv.register_forward_hook(lambda module, inputs, output: found.setdefault("maps", output))
    try:
        model.eval()
        logits = model(x)
    finally:
        handle.remove()
    maps = found["maps"].float()
    if after_relu:
        maps = maps.clamp(min=0)
    return maps.cpu().numpy(), logits.float().cpu().numpy()


def show_filters(weights, title="learned filters of the first layer", ncols=8, size=1.0):
    """Filters of shape (c_out, 1, f, f) (or (c_out, f, f)) as small pictures on one shared colour scale.

    Orange: the filter responds to ink there; purple: to its absence. Returns the figure.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 4:
        weights = weights[:, 0]
    return show_weight_grid(weights.reshape(len(weights), -1), ncols=ncols, title=title, size=size,
                            shape=weights.shape[1:], name="filter")


# ------------------------------------------------------- the digit explorer

def _probabilities(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _draw_view(fig, model, image, mean, std, dx, dy, angle, n_maps, class_names):
    """Draw one moved digit, its first-layer feature maps and the class probabilities on `fig`."""
    moved = transform_images(image, dx, dy, angle)  # 0-255 scale, float32
    device = next(model.parameters()).device
    x = torch.from_numpy((moved / 255.0 - mean) / std).to(device=device, dtype=torch.float32)[None, None]
    maps, logits = feature_maps(model, x)
    probs = _probabilities(logits[0])
    n_maps = min(n_maps, maps.shape[1])
    ncols = (n_maps + 1) // 2
    fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(2, 2 + ncols, width_ratios=[2, *[1] * ncols, 2.4])
    ax_img = fig.add_subplot(grid[:, 0])
    ax_img.imshow(moved, cmap="gray_r", vmin=0, vmax=255)
    ax_img.set_title(f"input: moved ({dx:+d}, {dy:+d}) px,\nrotated {angle:+d}°", fontsize=10)
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    limit = max(float(maps[0, :n_maps].max()), 1e-6)
    for k in range(n_maps):
        ax = fig.add_subplot(grid[k // ncols, 1 + k % ncols])
        ax.imshow(maps[0, k], cmap="cividis", vmin=0, vmax=limit)
        ax.set_title(f"map {k}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    ax_p = fig.add_subplot(grid[:, -1])
    colours = [plots.OKABE_ITO["vermillion"] if k == int(np.argmax(probs)) else plots.OKABE_ITO["blue"]
               for k in range(len(probs))]
    ax_p.barh(range(len(probs)), probs, color=colours)
    ax_p.set_yticks(range(len(probs)), class_names or [str(k) for k in range(len(probs))])
    ax_p.invert_yaxis()
    ax_p.set_xlim(0, 1)
    ax_p.set_xlabel("probability")
    ax_p.set_ylabel("class")
    ax_p.set_title(f"prediction: {int(np.argmax(probs))} ({probs.max():.0%})", fontsize=10)
    fig.suptitle("one digit, the first layer's feature maps (after ReLU), the network's answer",
                 fontsize=11, fontweight="bold")
    return probs


def digit_view(model, image, mean, std, dx=0, dy=0, angle=0, n_maps=8, class_names=None):
    """The explorer's figure for one setting, without widgets: (figure, class probabilities).

    model: a trained classifier of (n, 1, 28, 28) images (put in eval mode);
    image: one (28, 28) digit on the 0-255 scale; mean, std: the normalisation
    the model was trained with; dx, dy: whole pixels right and down; angle: degrees
    anticlockwise. Returns a new matplotlib Figure and the (classes,) probabilities.
    """
    fig = Figure(figsize=(11.5, 3.6), dpi=100)
    probs = _draw_view(fig, model, image, mean, std, int(dx), int(dy), int(angle), n_maps, class_names)
    return fig, probs


def digit_explorer(model, images, mean, std, n_maps=8, class_names=None, max_shift=8, max_angle=90):
    """Sliders that move and rotate a digit and redraw the feature maps and class probabilities.

    images: (n, 28, 28) on the 0-255 scale (e.g. validation digits). The same
    figure for one setting is digit_view(model, images[i], mean, std, dx, dy, angle).
    Returns the LivePlot; its last_probs holds the probabilities last drawn.
    """
    images = np.asarray(images)
    layout = widgets.Layout(width="260px")
    controls = {
        "index": widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="digit", layout=layout),
        "dx": widgets.IntSlider(value=0, min=-max_shift, max=max_shift, description="right (px)", layout=layout),
        "dy": widgets.IntSlider(value=0, min=-max_shift, max=max_shift, description="down (px)", layout=layout),
        "angle": widgets.IntSlider(value=0, min=-max_angle, max=max_angle, step=5, description="rotate (°)",
                                   layout=layout),
    }
    state = {}

    def draw(fig, index, dx, dy, angle):
        state["probs"] = _draw_view(fig, model, images[index], mean, std, dx, dy, angle, n_maps, class_names)

    live = LivePlot(controls, draw, figsize=(11.5, 3.6),
                    caption="Move the sliders: the feature maps move with the digit; the probabilities "
                            "change only when the dense layers meet features where they never saw them.")
    live.last_probs = state.get("probs")
    original = live.redraw

    def redraw():
        original()
        live.last_probs = state.get("probs")

    live.redraw = redraw
    return live
