"""Probes for lesson 09: choosing the device, a manual SGD step, the MLP, the training and evaluation loops.

Everything runs on the CPU with tiny models whose weights are set here, so that every right
answer gives the same numbers. The device choice is probed on pretend machines (CUDA and MPS
patched in or out, as the lesson's test does). The loops get batches that behave as if they were
still in the computer's main memory (mixing one with the model's weights raises, as on a GPU,
until it is moved with .to(device)), a spy model that records its mode and whether autograd
records at every forward pass, a loss function other than the plain cross-entropy, and a last
batch smaller than the others. The MLP is observed through what every right answer shares
(shapes, parameter counts, examples kept apart, logits, non-linearity), never its initial weights.
"""

import contextlib
from unittest import mock

import numpy as np
import torch
from torch import nn
from torch.utils._pytree import tree_flatten

from .torch_probes import attempt, probe


# ------------------------------------------------------------------ get_device

def _machine(cuda, mps):
    """A probe: what get_device() chooses on a pretend machine with CUDA and/or MPS."""
    pretend = torch.device("cuda" if cuda else "mps") if cuda or mps else None
    fakes = [(torch.cuda, "is_available", lambda: cuda), (torch.cuda, "device_count", lambda: int(cuda)),
             (torch.backends.mps, "is_available", lambda: mps), (torch.backends.mps, "is_built", lambda: mps)]
    if hasattr(torch, "accelerator"):  # newer PyTorch asks this first
        fakes += [(torch.accelerator, "is_available", lambda: pretend is not None),
                  (torch.accelerator, "current_accelerator", lambda *_, **__: pretend)]

    def run(get_device):
        with contextlib.ExitStack() as patches:
            for owner, name, fake in fakes:
                patches.enter_context(mock.patch.object(owner, name, fake))
            chosen = get_device()
        return {"device or name": isinstance(chosen, (torch.device, str)),
                "kind": attempt(lambda: torch.device(chosen).type)}

    return probe(f"cuda={cuda}, mps={mps}", run)


# ------------------------------------------------------------- manual_sgd_step

def _linear_problem():
    W = torch.tensor([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]], requires_grad=True)
    b = torch.tensor([0.1, -0.2], requires_grad=True)
    X = torch.tensor([[1.0, 2.0, -1.0], [0.5, -1.5, 2.0], [-1.0, 0.0, 0.5]])
    return W, b, X


def _cost(X, W, b):
    return ((X @ W + b) ** 2).mean()


def _cleared(tensors):
    return all(p.grad is None or not bool(p.grad.any()) for p in tensors)


def _sgd_step(as_generator):
    def run(manual_sgd_step):
        W, b, X = _linear_problem()
        _cost(X, W, b).backward()
        returned = manual_sgd_step((p for p in (W, b)) if as_generator else [W, b], 0.2)
        found = {"returns": type(returned).__name__, "W": W.detach().clone(), "b": b.detach().clone(),
                 "gradients cleared": _cleared((W, b)),
                 "still trainable leaves": all(p.requires_grad and p.is_leaf and p.grad_fn is None for p in (W, b))}

        def next_gradient():
            _cost(X, W, b).backward()
            return W.grad.detach().clone()

        found["next gradient"] = attempt(next_gradient)
        return found

    return run


def _sgd_without_gradient(manual_sgd_step):
    active, idle = torch.tensor([1.0, -2.0], requires_grad=True), torch.tensor([4.0, 4.0, 4.0], requires_grad=True)
    (active * torch.tensor([3.0, 0.5])).sum().backward()
    manual_sgd_step([idle, active], 0.5)
    return {"used": active.detach().clone(), "unused": idle.detach().clone()}


# ------------------------------------------------------------------------- MLP

def _mlp(cls):
    torch.manual_seed(909)
    images = torch.rand(5, 1, 28, 28) * 2 - 0.5
    rows = images.reshape(5, 784)
    untouched = images.clone()
    found = {"parameters": sum(p.numel() for p in cls().parameters()),
             "parameters, hidden=24": sum(p.numel() for p in cls(hidden=24).parameters())}
    model = cls(hidden=24).eval()
    with torch.no_grad():
        out = attempt(lambda: model(images))
        found["shape, images"] = attempt(lambda: list(out.shape))
        found["shape, rows"] = attempt(lambda: list(model(rows).shape))
        found["shape, one image"] = attempt(lambda: list(model(images[:1]).shape))
        found["shape, one row"] = attempt(lambda: list(model(rows[:1]).shape))
        found["images as rows"] = attempt(lambda: bool(torch.allclose(model(rows), out, atol=1e-5)))
        found["examples apart"] = attempt(lambda: bool(torch.allclose(model(images[1:3]), out[1:3], atol=1e-5)))
        found["some negative"] = attempt(lambda: bool((out < 0).any()))
        found["rows of probabilities"] = attempt(
            lambda: bool((out >= 0).all() and torch.allclose(out.sum(dim=1), torch.ones(5), atol=1e-4)))
        a, b = rows[:3] * 3, rows[2:] * 3
        found["not linear"] = attempt(
            lambda: bool((model(a + b) + model(torch.zeros(3, 784)) - model(a) - model(b)).abs().max() > 1e-3))
    found["input unchanged"] = bool(torch.equal(images, untouched))
    return found


# ---------------------------------------------------- train_one_epoch, evaluate

def _names_device(args, kwargs):
    """Does a call of Tensor.to(*args, **kwargs) name a device (not only a dtype)?"""
    return any(isinstance(v, (torch.device, str, int)) and not isinstance(v, bool)
               for v in [*args, kwargs.get("device")])


class _InMainMemory(torch.Tensor):
    """A batch not yet moved to the device: using it with an ordinary tensor raises, as on a GPU."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.Tensor.to and _names_device(args[1:], kwargs):
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs).as_subclass(torch.Tensor)
        tensors = [t for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)]
        behind = [isinstance(t, _InMainMemory) for t in tensors]
        if any(behind) and not all(behind):
            raise RuntimeError("Expected all tensors to be on the same device (a batch was not moved)")
        return super().__torch_function__(func, types, args, kwargs)


class _Loader:
    """Batches of (X, y) in order, with len() and .dataset as a DataLoader has; `unmoved`: which of X and y
    arrive 'in main memory'."""

    def __init__(self, X, y, batch_size, unmoved=("X", "y")):
        self.dataset = torch.utils.data.TensorDataset(X, y)
        self.batch_size, self.unmoved = batch_size, unmoved

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        X, y = self.dataset.tensors
        for start in range(0, len(X), self.batch_size):
            Xb, yb = X[start:start + self.batch_size], y[start:start + self.batch_size]
            yield (Xb.as_subclass(_InMainMemory) if "X" in self.unmoved else Xb,
                   yb.as_subclass(_InMainMemory) if "y" in self.unmoved else yb)


class _Spy(nn.Module):
    """Fixed weights; records every forward pass (its mode, whether autograd records) and every backward pass."""

    def __init__(self, hidden_layer):
        super().__init__()
        self.first = nn.Linear(3, 4 if hidden_layer else 3)
        self.second = nn.Linear(4, 3) if hidden_layer else None
        with torch.no_grad():
            for i, p in enumerate(self.parameters()):
                p.copy_(torch.linspace(-1.0, 1.2, p.numel()).roll(i).reshape(p.shape))
        self.modes_seen, self.events = [], []

    def forward(self, x):
        self.modes_seen.append((self.training, torch.is_grad_enabled()))
        self.events.append("forward")
        z = self.first(x)
        out = z if self.second is None else self.second(torch.relu(z))
        if out.requires_grad:
            out.register_hook(lambda grad: self.events.append("backward"))
        return out

    def weights(self):
        return torch.cat([p.detach().reshape(-1) for p in self.parameters()])


class _WatchedSGD(torch.optim.SGD):
    """SGD that notes, at every step, whether the batch's backward pass came first and the gradients are there."""

    def __init__(self, model, lr):
        super().__init__(model.parameters(), lr=lr)
        self.model, self.steps = model, []

    def step(self, closure=None):
        events = self.model.events
        last_forward = max((i for i, e in enumerate(events) if e == "forward"), default=-1)
        self.steps.append(("backward" in events[last_forward + 1:],
                           all(p.grad is not None and bool(p.grad.any()) for p in self.model.parameters())))
        return super().step(closure)


_X = torch.tensor(np.random.default_rng(909).normal(size=(7, 3)), dtype=torch.float32)
_Y = torch.tensor([0, 2, 1, 1, 0, 2, 2])


def _train(arrives_training, unmoved):
    def run(train_one_epoch):
        model = _Spy(hidden_layer=True).train(arrives_training)
        optimizer = _WatchedSGD(model, lr=0.3)
        loss = train_one_epoch(model, _Loader(_X, _Y, 3, unmoved), nn.CrossEntropyLoss(label_smoothing=0.3),
                               optimizer, torch.device("cpu"))
        return {"loss": float(loss), "type": type(loss).__name__, "weights": model.weights(),
                "forward passes in training mode": [training for training, _ in model.modes_seen],
                "training mode after": model.training,
                "steps after their batch's backward": [first for first, _ in optimizer.steps],
                "steps with gradients": [present for _, present in optimizer.steps]}

    return run


def _labels_for(model):
    """Labels that the model gets right 3/3, 1/3 and 0/1 times in batches of 3."""
    with torch.no_grad():
        predicted = model.first(_X).argmax(dim=1)
    wrong = (predicted + 1) % 3
    return torch.where(torch.tensor([1, 1, 1, 1, 0, 0, 0], dtype=torch.bool), predicted, wrong)


def _evaluate(arrives_training, unmoved):
    def run(evaluate):
        model = _Spy(hidden_layer=False).train(arrives_training)
        y = _labels_for(model)
        before = model.weights().clone()
        result = evaluate(model, _Loader(_X, y, 3, unmoved), nn.CrossEntropyLoss(label_smoothing=0.2),
                          torch.device("cpu"))
        return {"results": len(result), "numbers": [float(v) for v in result],
                "types": " ".join(type(v).__name__ for v in result),
                "forward passes in training mode": [training for training, _ in model.modes_seen],
                "forward passes recording gradients": [grad for _, grad in model.modes_seen],
                "training mode after": model.training,
                "weights unchanged": bool(torch.equal(model.weights(), before)),
                "no gradients": all(p.grad is None for p in model.parameters())}

    return run


PROBES = {
    "get_device": [_machine(True, False), _machine(False, True), _machine(False, False), _machine(True, True)],
    "manual_sgd_step": [
        probe("a list [W, b]", _sgd_step(as_generator=False)),
        probe("a generator of [W, b]", _sgd_step(as_generator=True)),
        probe("a tensor without a gradient first", _sgd_without_gradient),
    ],
    "MLP": [probe("hidden=24: shapes, parameter counts, examples apart, logits, non-linear", _mlp)],
    "train_one_epoch": [
        probe("7 examples in batches of 3, in main memory, the model in eval mode", _train(False, ("X", "y"))),
        probe("labels already on the device, the model in training mode", _train(True, ("X",))),
    ],
    "evaluate": [
        probe("7 examples in batches of 3, in main memory, the model in training mode", _evaluate(True, ("X", "y"))),
        probe("labels already on the device, the model in eval mode", _evaluate(False, ("X",))),
    ],
}
