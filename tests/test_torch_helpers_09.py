"""utils/torch_helpers.py: lesson 09's data set, progress wrapper, curves, mixed precision and simulated GPU."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from utils import data  # noqa: E402
from utils import torch_helpers as th  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sample():
    return data.load_mnist(data.SAMPLE_DIR, verbose=False)


# ----------------------------------------------------------------- data

def test_pixel_stats_match_numpy_and_work_in_chunks():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(25, 28, 28), dtype=np.uint8)
    mean, std = th.pixel_stats(images, chunk=7)
    scaled = images / 255.0
    assert isinstance(mean, float) and isinstance(std, float)
    assert mean == pytest.approx(scaled.mean(), rel=1e-12)
    assert std == pytest.approx(scaled.std(), rel=1e-9)
    with pytest.raises(ValueError):
        th.pixel_stats(images[:0])


def test_digit_dataset_normalises_and_batches(sample):
    mean, std = th.pixel_stats(sample.X_train)
    assert 0.10 < mean < 0.16 and 0.28 < std < 0.34  # MNIST's well-known 0.1307 / 0.3081
    X_before = sample.X_train[:10].copy()
    ds = th.DigitDataset(sample.X_train[:10], sample.y_train[:10], mean, std)
    assert len(ds) == 10
    x, y = ds[3]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert y.dtype == torch.int64 and y.item() == sample.y_train[3]
    expected = (sample.X_train[3] / 255.0 - mean) / std
    assert np.allclose(x[0].numpy(), expected, atol=1e-5)
    Xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert Xb.shape == (4, 1, 28, 28) and yb.shape == (4,)
    # The dataset copies: changing its tensors leaves the caller's arrays alone, and vice versa.
    ds.images.zero_()
    assert np.array_equal(sample.X_train[:10], X_before)
    # Normalised with the training set's own statistics, a whole training set has mean 0 and std 1.
    full = th.DigitDataset(sample.X_train[:500], sample.y_train[:500], *th.pixel_stats(sample.X_train[:500]))
    pixels = torch.stack([full[i][0] for i in range(len(full))])
    assert abs(pixels.mean().item()) < 1e-4 and abs(pixels.std().item() - 1) < 1e-3


def test_digit_dataset_rejects_bad_input():
    with pytest.raises(ValueError, match="shape"):
        th.DigitDataset(np.zeros((3, 784), np.uint8), np.zeros(3), 0.1, 0.3)
    with pytest.raises(ValueError, match="labels"):
        th.DigitDataset(np.zeros((3, 28, 28), np.uint8), np.zeros(2), 0.1, 0.3)
    with pytest.raises(ValueError, match="std"):
        th.DigitDataset(np.zeros((3, 28, 28), np.uint8), np.zeros(3), 0.1, 0.0)


def test_progress_keeps_the_loader_interface():
    ds = torch.utils.data.TensorDataset(torch.arange(10.0), torch.arange(10))
    loader = DataLoader(ds, batch_size=4)
    wrapped = th.progress(loader, "test", disable=True)
    assert len(wrapped) == 3 and wrapped.dataset is ds and wrapped.batch_size == 4
    assert [len(x) for x, _ in wrapped] == [4, 4, 2]
    with pytest.raises(AttributeError):
        wrapped.no_such_attribute


# ------------------------------------------------------- simulated GPU

def test_host_batches_look_like_a_loader():
    X, y = torch.randn(11, 3), torch.arange(11)
    loader = th.host_batches(X, y, 4)
    assert len(loader) == 3 and len(loader.dataset) == 11 and loader.batch_size == 4
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [4, 4, 3]
    assert all(isinstance(t, th.HostTensor) for b in batches for t in b)
    assert torch.equal(torch.cat([b[0].to("cpu") for b in batches]), X)


def test_host_tensor_fails_like_a_gpu_until_moved():
    model = nn.Linear(3, 2)
    X, y = next(iter(th.host_batches(torch.randn(5, 3), torch.tensor([0, 1, 0, 1, 1]), 5)))
    # Shape, length, slicing and dtype changes work on any device.
    assert X.shape == (5, 3) and len(X) == 5 and X.size(0) == 5
    assert isinstance(X[:2], th.HostTensor) and isinstance(X.double(), th.HostTensor)
    assert isinstance(X.to(torch.float64), th.HostTensor), "a dtype-only .to() does not move anything"
    # Mixing with the model's weights, or with a moved tensor, is the GPU's device error.
    with pytest.raises(RuntimeError, match="same device"):
        model(X)
    moved = X.to("cpu")
    assert type(moved) is torch.Tensor
    out = model(moved)
    with pytest.raises(RuntimeError, match="same device"):
        nn.CrossEntropyLoss()(out, y)
    with pytest.raises(RuntimeError, match="same device"):
        (out.argmax(1) == y).sum()
    # Every spelling of a move works.
    for spelt in (X.to(torch.device("cpu")), X.to(device="cpu", non_blocking=True), X.to("cpu", torch.float64), X.to(out)):
        assert not isinstance(spelt, th.HostTensor)
    loss = nn.CrossEntropyLoss()(out, y.to(torch.device("cpu")))
    loss.backward()
    assert model.weight.grad is not None


# ------------------------------------------------------ mixed precision

def test_autocast_wrapper_shares_parameters_and_returns_float32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    wrapped = th.Autocast(model, "cpu", torch.bfloat16)
    assert [p.data_ptr() for p in wrapped.parameters()] == [p.data_ptr() for p in model.parameters()]
    wrapped.eval()
    assert not model.training
    x = torch.randn(5, 4)
    out = wrapped(x)
    assert out.dtype == torch.float32 and out.shape == (5, 3)
    assert torch.allclose(out, model(x), atol=0.1), "bfloat16 keeps about 3 significant digits"
    out.sum().backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in model.parameters())


def test_autocast_dtype_is_off_without_cuda():
    assert th.autocast_dtype("cpu") is None
    assert th.autocast_dtype(torch.device("mps")) is None
    if not torch.cuda.is_available():
        assert th.autocast_dtype("cuda") is None


# ------------------------------------------------------- looking inside

def test_predict_returns_probabilities_in_order():
    model = nn.Linear(3, 4)
    X, y = torch.randn(9, 3), torch.arange(9) % 4
    model.train()
    probs, labels = th.predict(model, DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=4), "cpu")
    assert not model.training
    assert probs.shape == (9, 4) and np.allclose(probs.sum(axis=1), 1, atol=1e-6)
    assert np.array_equal(labels, y.numpy())
    assert np.allclose(probs, torch.softmax(model(X), 1).detach().numpy(), atol=1e-6)


def test_confusion_matrix_counts():
    counts = th.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.sum() == 6


def test_figures_have_titles_and_labelled_axes():
    fig, ax = plt.subplots()
    th.plot_confusion_matrix(ax, np.array([[5, 1], [2, 7]]), ["zero", "one"], title="cm")
    assert ax.get_title() == "cm" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.texts] == ["5", "1", "2", "7"]

    grid = th.show_weight_grid(np.random.default_rng(0).normal(size=(5, 784)), ncols=3, title="w")
    assert grid._suptitle.get_text() == "w"

    curves = th.LiveCurves("demo")
    for i in range(3):
        curves.update(1.0 / (i + 1), 1.2 / (i + 1), 0.5 + 0.1 * i)  # outside IPython: records only
    assert curves.history["test_acc"] == pytest.approx([0.5, 0.6, 0.7])
    fig = curves.figure()
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1", "2", "3"]


def test_show_source_gives_the_code():
    code = th.show_source(th.DigitDataset)
    assert "class DigitDataset" in code.data
