"""utils/cnn.py: lesson 10's moved digits, augmentation, feature maps, filters and digit explorer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from utils import cnn  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _digit():
    img = np.zeros((28, 28), np.uint8)
    img[6:22, 13:15] = 255  # a vertical stroke: a "1"
    return img


def _model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(),
                         nn.Linear(4 * 7 * 7, 10))


def test_shift_images_moves_and_pads_with_zeros():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 10, 12] = 200
    before = img.copy()
    moved = cnn.shift_images(img, 3, -2)
    assert moved[0, 8, 15] == 200 and moved.sum() == 200
    assert np.array_equal(img, before)
    assert np.array_equal(cnn.shift_images(img, 0, 0), img)
    assert cnn.shift_images(img, 28, 0).sum() == 0


def test_transform_images_shifts_like_shift_images_and_rotates_anticlockwise():
    img = np.zeros((28, 28), np.float32)
    img[14, 20] = 1.0  # right of the centre (13.5, 13.5)
    assert np.allclose(cnn.transform_images(img, dx=3, dy=-2), cnn.shift_images(img, 3, -2), atol=1e-5)
    turned = cnn.transform_images(img, angle=90)
    row, col = np.unravel_index(turned.argmax(), turned.shape)
    assert row < 13.5 and abs(col - 13.5) <= 1, "anticlockwise on the screen: right of the centre goes up"
    batch = np.stack([img, img * 2])
    out = cnn.transform_images(batch, dx=1)
    assert out.shape == (2, 28, 28) and out.dtype == np.float32
    assert np.allclose(out[1], 2 * out[0])
    assert np.allclose(cnn.transform_images(img), img, atol=1e-6)


def test_random_shift_moves_each_read_and_repeats_for_a_seed():
    x = torch.zeros(1, 28, 28)
    x[0, 14, 14] = 1.0
    base = [(x, torch.tensor(3))]
    first = cnn.RandomShift(base, max_shift=3, background=-0.5, seed=1)
    second = cnn.RandomShift(base, max_shift=3, background=-0.5, seed=1)
    reads = [first[0] for _ in range(30)]
    again = [second[0] for _ in range(30)]
    assert all(torch.equal(a[0], b[0]) for a, b in zip(reads, again)), "the same seed gives the same shifts"
    positions = set()
    for moved, label in reads:
        assert label.item() == 3 and moved.shape == (1, 28, 28)
        r, c = np.unravel_index(int(moved.argmax()), (28, 28))
        assert abs(r - 14) <= 3 and abs(c - 14) <= 3
        positions.add((r, c))
        corner = moved[0, [0, 0, 27, 27], [0, 27, 0, 27]]
        assert torch.all((corner == 0) | (corner == -0.5)), "pixels that come in take the background value"
    assert len(positions) > 5, "the shift changes from read to read"
    assert torch.equal(base[0][0], x), "the wrapped data set is left unchanged"


def test_feature_maps_are_the_first_convolution_and_leave_the_model_clean():
    model = _model()
    x = torch.randn(2, 1, 28, 28)
    maps, logits = cnn.feature_maps(model, x)
    conv = cnn.first_conv(model)
    expected = F.relu(F.conv2d(x, conv.weight, conv.bias, padding=1)).detach().numpy()
    assert maps.shape == (2, 4, 28, 28) and np.allclose(maps, expected, atol=1e-6)
    assert logits.shape == (2, 10) and np.allclose(logits, model(x).detach().numpy(), atol=1e-5)
    assert not conv._forward_hooks, "the hook is removed afterwards"
    with pytest.raises(LookupError):
        cnn.first_conv(nn.Linear(3, 2))


def test_show_filters_draws_every_filter_with_a_title():
    fig = cnn.show_filters(np.random.default_rng(0).normal(size=(6, 1, 3, 3)), ncols=4, title="filters")
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 6 and fig._suptitle.get_text() == "filters"


def test_digit_view_and_the_explorer_draw_the_same_thing():
    model = _model()
    images = np.stack([_digit(), np.roll(_digit(), 3, axis=1)])
    fig, probs = cnn.digit_view(model, images[0], 0.1, 0.3, dx=2, dy=-1, angle=15)
    assert probs.shape == (10,) and np.isclose(probs.sum(), 1.0)
    assert any("prediction" in ax.get_title() for ax in fig.axes)
    explorer = cnn.digit_explorer(model, images, 0.1, 0.3)
    assert explorer.last_png is not None and explorer.last_error is None
    first = explorer.last_png
    explorer.controls["dx"].value = 2
    explorer.controls["dy"].value = -1
    explorer.controls["angle"].value = 15
    assert explorer.last_png != first, "moving the digit redraws the figure"
    assert np.allclose(explorer.last_probs, probs, atol=1e-6), "the widget shows what digit_view computes"
    explorer.controls["index"].value = 1
    assert explorer.last_error is None
