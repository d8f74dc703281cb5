"""PyTorch helpers for lessons 09 and 10: data sets, progress bars, live curves, a simulated GPU.

Nothing here is graded: the lessons' exercises (get_device, MLP,
train_one_epoch, evaluate, SmallCNN) are the students' own. These are the parts around
them that every training script needs and that would only distract:

- ``DigitDataset`` and ``pixel_stats``: MNIST-style images as normalised tensors
  for a ``torch.utils.data.DataLoader`` (no torchvision needed);
- ``progress``: a tqdm bar around a loader that still looks like the loader;
- ``LiveCurves``: loss and accuracy per epoch, redrawn in place in a notebook;
- ``Autocast`` and ``autocast_dtype``: mixed precision as an option on CUDA;
- ``HostTensor`` and ``host_batches``: batches that behave as if they were still
  in the computer's main memory while the model sits on a GPU, so a training
  loop that forgets ``.to(device)`` fails on a CPU-only machine the way it
  would fail on a GPU;
- ``predict``, ``confusion_matrix``, ``plot_confusion_matrix``,
  ``show_weight_grid``: looking inside a trained model;
- ``torch_calls``: which PyTorch functions a call made (lesson 10's tests use it to
  check that a numpy exercise is done in numpy).

Lesson 10 uses these too; what only its CNNs need (moving digits, filters,
feature maps, augmentation) is in ``utils.cnn``.

Importing this module imports torch; ``utils`` itself stays cheap.
"""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch._dynamo  # noqa: F401  (see below)
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils.data import Dataset

from . import plots

# Optimizers import torch._dynamo lazily, at their first zero_grad() or step(), and that import
# re-wraps torch.manual_seed. Importing it here, with the lesson's setup, makes that happen once at
# the start instead of in the middle of a graded test cell, where the grader's guard against
# patched functions would take it for the student's doing.

__all__ = [
    "pixel_stats", "DigitDataset", "progress", "LiveCurves", "Autocast", "autocast_dtype",
    "HostTensor", "HostBatches", "host_batches", "predict", "confusion_matrix",
    "plot_confusion_matrix", "show_weight_grid", "show_source",
]


# ----------------------------------------------------------------------- data

class _TorchCallRecorder(TorchFunctionMode):
    """Notes the name of every PyTorch function or tensor method called while it is active."""

    def __init__(self):
        super().__init__()
        self.names = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.append(getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


def torch_calls(function, *args, **kwargs):
    """(function(*args, **kwargs), names of the PyTorch functions it called, in order).

    Every route into PyTorch's operations passes through its function modes
    (torch.nn.functional, torch.ops.aten, tensor methods, even np.asarray of a tensor),
    so an empty list means the call computed without PyTorch.
    """
    with _TorchCallRecorder() as recorder:
        result = function(*args, **kwargs)
    return result, recorder.names


def pixel_stats(images, chunk=10_000):
    """Mean and standard deviation of all pixels, on the 0-1 scale.

    images: (n, 28, 28) uint8. Returns two Python floats. Works in chunks so a
    60,000-image set never needs a float copy of itself in memory.
    """
    images = np.asarray(images)
    count, total, total_sq = 0, 0.0, 0.0
    for start in range(0, len(images), chunk):
        block = images[start:start + chunk].astype(np.float64) / 255.0
        count += block.size
        total += block.sum()
        total_sq += np.square(block).sum()
    if count == 0:
        raise ValueError("pixel_stats needs at least one image")
    mean = total / count
    return float(mean), float(np.sqrt(max(total_sq / count - mean ** 2, 0.0)))


class DigitDataset(Dataset):
    """Images and labels served one example at a time, as a DataLoader expects.

    images: (n, 28, 28) uint8 (as utils.data.load_mnist returns them);
    labels: (n,) ints; mean, std: pixel statistics on the 0-1 scale, from the
    *training* images (see pixel_stats), used for every split.

    ``dataset[i]`` is ``(x, y)``: x a float32 tensor of shape (1, 28, 28)
    holding ``(pixel / 255 - mean) / std``, y an int64 scalar tensor. The
    DataLoader stacks them into batches of shape (B, 1, 28, 28) and (B,).
    The arrays passed in are copied, never modified.
    """

    def __init__(self, images, labels, mean, std):
        images, labels = np.asarray(images), np.asarray(labels)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"images must have shape (n, 28, 28), not {images.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if not std > 0:
            raise ValueError(f"std must be positive, not {std}")
        self.images = torch.tensor(images, dtype=torch.uint8)  # a copy: 1 byte per pixel
        self.labels = torch.tensor(labels, dtype=torch.int64)
        self.mean, self.std = float(mean), float(std)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        # Normalising here, one image at a time, keeps only the uint8 images in memory.
        x = (self.images[i].float() / 255.0 - self.mean) / self.std
        return x.unsqueeze(0), self.labels[i]


class progress:
    """A tqdm progress bar around a loader that still has the loader's len(), .dataset and .batch_size.

    ``train_one_epoch(model, progress(loader, "epoch 1"), ...)`` shows a bar
    per epoch without changing what train_one_epoch sees.
    """

    def __init__(self, loader, desc=None, disable=False):
        self.loader, self.desc, self.disable = loader, desc, disable

    def __iter__(self):
        from tqdm.auto import tqdm
        yield from tqdm(self.loader, desc=self.desc, total=len(self.loader), leave=False, disable=self.disable)

    def __len__(self):
        return len(self.loader)

    def __getattr__(self, name):
        # Only called for attributes progress itself lacks: .dataset, .batch_size, ...
        if name == "loader":
            raise AttributeError(name)
        return getattr(self.loader, name)


# --------------------------------------------------------------- live curves

class LiveCurves:
    """Training loss, test loss and test accuracy per epoch, redrawn in place after every epoch.

    In a notebook the figure is replaced, not appended, so a long run leaves one
    figure behind. Outside IPython (a script) nothing is drawn; the history is
    still kept in ``self.history``.
    """

    def __init__(self, title="training"):
        self.title = title
        self.history = {"train_loss": [], "test_loss": [], "test_acc": []}
        self._handle = None

    def update(self, train_loss, test_loss, test_acc):
        """Record one epoch and redraw."""
        for key, value in zip(self.history, (train_loss, test_loss, test_acc)):
            self.history[key].append(float(value))
        self.show()

    def figure(self):
        """The current curves as a new matplotlib figure (two panels: loss, accuracy)."""
        h = self.history
        epochs = np.arange(1, len(h["train_loss"]) + 1)
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
        ax_loss.plot(epochs, h["train_loss"], marker="o", color=plots.OKABE_ITO["blue"], label="training (during the epoch)")
        ax_loss.plot(epochs, h["test_loss"], marker="s", color=plots.OKABE_ITO["orange"], label="test (after the epoch)")
        ax_loss.set_title(f"{self.title}: cross-entropy loss")
        ax_loss.set_xlabel("epoch")
        ax_loss.set_ylabel("mean loss per image")
        ax_loss.legend()
        ax_acc.plot(epochs, 100 * np.asarray(h["test_acc"]), marker="s", color=plots.OKABE_ITO["orange"], label="test")
        if h["test_acc"]:
            best = int(np.argmax(h["test_acc"]))
            ax_acc.annotate(f"{100 * h['test_acc'][-1]:.2f}%", (epochs[-1], 100 * h["test_acc"][-1]),
                            textcoords="offset points", xytext=(-10, -16), ha="right", fontsize=9)
            ax_acc.set_ylim(top=max(100.0, 100 * h["test_acc"][best] + 0.5))
        ax_acc.set_title(f"{self.title}: test accuracy")
        ax_acc.set_xlabel("epoch")
        ax_acc.set_ylabel("accuracy (%)")
        for ax in (ax_loss, ax_acc):
            if len(epochs) <= 20:
                ax.set_xticks(epochs)
            else:
                plots.integer_ticks(ax, "x")
            ax.set_xlim(0.5, max(len(epochs), 1) + 0.5)
        fig.tight_layout()
        return fig

    def show(self):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        fig = self.figure()
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)


# ------------------------------------------------------------ mixed precision

def autocast_dtype(device):
    """The reduced-precision type to train with on `device`, or None for plain float32.

    Only CUDA GPUs with native bfloat16 (NVIDIA Ampere, 2020, and newer) get
    torch.bfloat16. bfloat16 keeps float32's range, so no gradient scaling is
    needed; on the CPU and on Apple's MPS we stay in float32.
    """
    device = torch.device(device)
    if device.type == "cuda" and torch.cuda.is_available():
        try:
            supported = torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # older torch without the keyword
            supported = torch.cuda.is_bf16_supported()
        return torch.bfloat16 if supported else None
    return None


class Autocast(nn.Module):
    """Wraps a model so that its forward pass runs under torch.autocast and returns float32.

    Matrix products and convolutions then run in `dtype` (bfloat16 by default)
    on the GPU's tensor cores; autocast keeps sums, softmax and the loss in
    float32. The backward pass runs outside autocast, as PyTorch recommends,
    and uses the same types as the forward pass. The wrapper owns no
    parameters of its own: ``Autocast(model).parameters()`` are the model's,
    and train()/eval() reach the model.
    """

    def __init__(self, model, device_type="cuda", dtype=torch.bfloat16):
        super().__init__()
        self.model, self.device_type, self.dtype = model, device_type, dtype

    def forward(self, x):
        with torch.autocast(device_type=self.device_type, dtype=self.dtype):
            out = self.model(x)
        return out.float()


# ---------------------------------------------------------- a simulated GPU

def _flat_tensors(obj, found):
    if isinstance(obj, torch.Tensor):
        found.append(obj)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _flat_tensors(item, found)
    elif isinstance(obj, dict):
        for item in obj.values():
            _flat_tensors(item, found)
    return found


def _target_device(args, kwargs):
    """The device a call of Tensor.to(...) moves to, or None when it only changes the dtype."""
    try:
        device, _dtype, _non_blocking, _memory_format = torch._C._nn._parse_to(*args[1:], **kwargs)
        return device
    except Exception:  # an unusual spelling: look for anything that names a device
        for value in [*args[1:], *kwargs.values()]:
            if isinstance(value, (torch.device, str)):
                return torch.device(value)
            if isinstance(value, torch.Tensor):
                return value.device
        return None


class HostTensor(torch.Tensor):
    """A tensor that behaves as if it were in main memory while the model is on a GPU.

    On a GPU, ``model(X)`` with a batch X that was never moved fails with
    "Expected all tensors to be on the same device". A CPU-only machine has
    one device, so that mistake goes unnoticed there. A HostTensor brings the
    error back: any operation that mixes a HostTensor with an ordinary tensor
    (a model's weights, say) raises the same RuntimeError. Reading its shape,
    slicing it or changing its dtype is fine (those work on a GPU too), and
    ``.to(device)`` returns an ordinary tensor, "on the device".
    """

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.Tensor.to and _target_device(args, kwargs) is not None:
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs).as_subclass(torch.Tensor)
        tensors = _flat_tensors(args, _flat_tensors(kwargs, []))
        on_host = [isinstance(t, HostTensor) for t in tensors]
        if any(on_host) and not all(on_host):
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices: "
                "a batch is still in host memory while the model is on the device "
                "(simulated on this machine: move every batch with .to(device) before using it)")
        return super().__torch_function__(func, types, args, kwargs)


class HostBatches:
    """A loader-like iterable of (X, y) batches that are HostTensors.

    Has what training code reads from a DataLoader: ``len()`` (number of
    batches), ``.dataset`` (len() = number of examples) and ``.batch_size``.
    """

    def __init__(self, X, y, batch_size):
        self.dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
        self.batch_size = int(batch_size)

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        X, y = self.dataset.tensors
        for start in range(0, len(X), self.batch_size):
            stop = start + self.batch_size
            yield X[start:stop].as_subclass(HostTensor), y[start:stop].as_subclass(HostTensor)


def host_batches(X, y, batch_size):
    """Batches of (X, y), in order, that must be moved with .to(device) before use (see HostTensor)."""
    return HostBatches(X, y, batch_size)


# ------------------------------------------------------------ looking inside

@torch.no_grad()
def predict(model, loader, device):
    """Class probabilities for every example of a loader, in the loader's order.

    Returns (probs, labels): numpy arrays of shapes (n, num_classes) and (n,).
    The model is put in eval mode and left there.
    """
    model.eval()
    probs, labels = [], []
    for X, y in loader:
        logits = model(X.to(device))
        probs.append(torch.softmax(logits.float(), dim=1).cpu())
        labels.append(y)
    return torch.cat(probs).numpy(), torch.cat(labels).numpy()


def confusion_matrix(y_true, y_pred, num_classes):
    """counts[i, j] = how many examples of true class i were predicted as class j; shape (k, k)."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def plot_confusion_matrix(ax, counts, class_names, title="confusion matrix"):
    """Draw a confusion matrix: rows are true classes, columns predictions; every cell is labelled.

    The colour scale runs over the *mistakes* only (the diagonal is drawn in
    grey), so the few confusions stay visible next to the large correct counts.
    """
    counts = np.asarray(counts)
    k = len(counts)
    off = counts.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    im = ax.imshow(off, cmap="cividis", vmin=0, vmax=max(1.0, np.nanmax(off)))
    diag = np.where(np.eye(k, dtype=bool), 1.0, np.nan)
    ax.imshow(diag, cmap=plt.matplotlib.colors.ListedColormap([plots.GREY["light"]]), vmin=0, vmax=1)
    limit = np.nanmax(off) if np.isfinite(np.nanmax(off)) else 1
    for i in range(k):
        for j in range(k):
            value = counts[i, j]
            if i == j:
                color = "black"
            else:
                color = "black" if value > 0.6 * limit else "white"
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8 if k <= 10 else 6, color=color)
    ax.set_xticks(range(k), class_names, rotation=45 if max(len(c) for c in class_names) > 2 else 0,
                  ha="right" if max(len(c) for c in class_names) > 2 else "center")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    ax.grid(False)
    bar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="mistakes (off the diagonal)")
    bar.ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))  # counts: whole numbers only
    return ax


def show_weight_grid(weights, ncols=8, title="first-layer weights", size=1.3, shape=(28, 28), name="unit"):
    """Rows of a weight matrix drawn as 28x28 images, on one shared colour scale.

    weights: (units, 784), e.g. nn.Linear(784, units).weight, each row drawn
    with `shape` (another shape for other pictures, e.g. (3, 3) for filters) and
    titled "<name> <i>". Orange: the unit is excited by ink at that pixel;
    purple: inhibited; white: indifferent. Returns the figure.
    """
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    limit = np.abs(weights).max() or 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols + 0.9, size * nrows + 0.6), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if i >= n:
            ax.axis("off")
            continue
        im = ax.imshow(weights[i].reshape(shape), cmap="PuOr_r", vmin=-limit, vmax=limit)
        ax.set_title(f"{name} {i}", fontsize=8)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    fig.tight_layout()
    fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02, label="weight")
    return fig


def show_source(obj):
    """An object's source code, syntax-highlighted in a notebook (plain text elsewhere)."""
    from IPython.display import Code
    return Code(inspect.getsource(obj), language="python")
