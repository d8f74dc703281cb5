"""Train lesson 10's SmallCNN (or lesson 09's MLP) and report time per epoch, images per second and test accuracy.

The model and the training code are *not* copied here: they are read from the
notebook's cells, found by their nbgrader grade ids (by default in the
instructor's solution, solutions/10-cnn-mnist/10-cnn-mnist.ipynb): SmallCNN from
its answer cell, and get_device, MLP, train_one_epoch and evaluate from the
read-only cell `lesson09_pieces` that holds lesson 09's answers. So this script
always measures exactly what the lessons teach, and `--source` can point it at a
student's finished lesson-10 notebook instead. Everything around them (data,
loaders, mixed precision) comes from utils/, as in the notebook. Unlike the
lesson, which keeps the test set for the very end, a benchmark reports the test
accuracy after every epoch and trains on every training image.

Examples::

    python benchmarks/train_cnn.py --dry-run                       # a few seconds: does it all work?
    python benchmarks/train_cnn.py --epochs 12                     # SmallCNN on MNIST (the sample unless the full set is there)
    python benchmarks/train_cnn.py --dataset fashion-mnist --epochs 12
    python benchmarks/train_cnn.py --device cuda --amp --epochs 12 # on an NVIDIA GPU, bfloat16 autocast
    python benchmarks/train_cnn.py --model mlp --epochs 20

The settings follow the notebook: Adam with learning rate 2e-3 decayed along a
cosine, batches of 64, training batches shuffled with a seeded generator, test
batches in order. The first epoch includes one-off costs (memory allocation,
cuDNN's choice of algorithms), so the summary also reports the throughput of
the later epochs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Subset  # noqa: E402

from utils import data  # noqa: E402
from utils import torch_helpers as th  # noqa: E402

LESSON = "10-cnn-mnist"
DEFAULT_SOURCE = REPO / "solutions" / LESSON / f"{LESSON}.ipynb"
# {name: grade id of the cell that defines it}
CELLS = {"get_device": "lesson09_pieces", "MLP": "lesson09_pieces", "train_one_epoch": "lesson09_pieces",
         "evaluate": "lesson09_pieces", "SmallCNN": "SmallCNN"}
ANSWERS = tuple(CELLS)
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def load_answers(notebook=DEFAULT_SOURCE, names=ANSWERS):
    """The lesson's model and loops, executed from the notebook's cells.

    Cells are found by their nbgrader grade_id (CELLS); solution markers are
    dropped. Returns {name: object}. Raises LookupError for a missing cell or
    a cell that does not define the name, and NotImplementedError's message for
    one that still holds the exercise stub (only when the object is used).
    """
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    wanted = {CELLS[name] for name in names}
    sources = {}
    for cell in cells:
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if gid in wanted and cell.get("cell_type") == "code":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            sources[gid] = "\n".join(line for line in text.split("\n") if line.strip() not in SOLUTION_MARKERS)
    missing = sorted({CELLS[n] for n in names} - set(sources))
    if missing:
        raise LookupError(f"{notebook}: no answer cell for {', '.join(missing)}")
    namespace = {"torch": torch, "nn": nn, "F": F, "np": np, "__name__": f"{LESSON}-answers"}
    for gid in dict.fromkeys(CELLS[n] for n in names):
        exec(compile(sources[gid], f"<{Path(notebook).name}:{gid}>", "exec"), namespace)
    undefined = [n for n in names if n not in namespace]
    if undefined:
        raise LookupError(f"{notebook}: no answer cell for {', '.join(undefined)}")
    return {name: namespace[name] for name in names}


def choose_device(name, get_device):
    """'auto' asks the lesson's get_device(); otherwise the named device, which must exist."""
    if name == "auto":
        return torch.device(get_device())
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: this PyTorch sees no CUDA GPU (torch.cuda.is_available() is False)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise SystemExit("--device mps: this machine has no usable MPS device")
    return device


def synchronize(device):
    """Wait for the device's queue to finish, so wall-clock times mean something."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def make_loaders(ds, args, device):
    """Normalised DigitDatasets (statistics of the training images) and their loaders."""
    X_train, y_train = ds.X_train[:args.n_train], ds.y_train[:args.n_train]
    X_test, y_test = ds.X_test[:args.n_test], ds.y_test[:args.n_test]
    mean, std = th.pixel_stats(X_train)
    train_set = th.DigitDataset(X_train, y_train, mean, std)
    test_set = th.DigitDataset(X_test, y_test, mean, std)
    if args.dry_run:
        train_set, test_set = Subset(train_set, range(min(256, len(train_set)))), Subset(test_set, range(min(256, len(test_set))))
    pin = device.type == "cuda"
    common = dict(pin_memory=pin, num_workers=args.workers, persistent_workers=args.workers > 0)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(args.seed), **common)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size, shuffle=False, **common)
    return train_loader, test_loader


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", choices=["cnn", "mlp"], default="cnn", help="SmallCNN (lesson 10) or MLP (lesson 09, as lesson 10 holds it)")
    p.add_argument("--hidden", type=int, default=128, help="hidden units of the MLP")
    p.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    p.add_argument("--data", type=Path, default=None,
                   help="folder with the four IDX files (default: where utils.data.load_mnist looks)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="auto: the lesson's get_device() (CUDA, else MPS, else CPU)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--test-batch-size", type=int, default=1000)
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate, decayed along a cosine")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast (CUDA GPUs with bfloat16 only)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for PyTorch (default: its own choice)")
    p.add_argument("--n-train", type=int, default=None, help="use only the first N training images")
    p.add_argument("--n-test", type=int, default=None, help="use only the first N test images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dry-run", action="store_true",
                   help="one epoch on 256 training and 256 test images: checks everything works, in seconds")
    p.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                   help="the notebook whose answer cells define the model and the loops")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if args.dry_run:
        args.epochs = 1
    if args.epochs < 1 or args.batch_size < 1 or args.test_batch_size < 1:
        p.error("--epochs, --batch-size and --test-batch-size must be positive")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    answers = load_answers(args.source)
    device = choose_device(args.device, answers["get_device"])
    torch.manual_seed(args.seed)

    try:
        ds = data.load_mnist(args.data, dataset=args.dataset, verbose=False)
    except data.DataError as err:
        raise SystemExit(f"error: {err}")
    train_loader, test_loader = make_loaders(ds, args, device)

    model = (answers["SmallCNN"]() if args.model == "cnn" else answers["MLP"](hidden=args.hidden)).to(device)
    amp_dtype = th.autocast_dtype(device) if args.amp else None
    if args.amp and amp_dtype is None:
        print(f"note: --amp needs a CUDA GPU with bfloat16; training in float32 on {device}")
    trained = th.Autocast(model, device.type, amp_dtype) if amp_dtype is not None else model
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    n_train, n_test = len(train_loader.dataset), len(test_loader.dataset)
    params = sum(p.numel() for p in model.parameters())
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else ""
    print(f"{type(model).__name__} ({params:,} parameters) from {args.source.name}")
    print(f"{ds.describe()}; using {n_train:,} train / {n_test:,} test")
    print(f"device {device}{f' ({gpu})' if gpu else ''}, threads {torch.get_num_threads()}, "
          f"precision {amp_dtype or torch.float32}, batch {args.batch_size}, workers {args.workers}, "
          f"PyTorch {torch.__version__}")
    print(f"{'epoch':>5} {'train loss':>10} {'test loss':>9} {'test acc':>8} {'train s':>8} {'images/s':>9} {'eval s':>7}")

    epochs = []
    for epoch in range(1, args.epochs + 1):
        synchronize(device)
        start = time.perf_counter()
        train_loss = answers["train_one_epoch"](trained, train_loader, loss_fn, optimizer, device)
        synchronize(device)
        train_seconds = time.perf_counter() - start
        start = time.perf_counter()
        test_loss, test_acc = answers["evaluate"](trained, test_loader, loss_fn, device)
        synchronize(device)
        eval_seconds = time.perf_counter() - start
        schedule.step()
        row = dict(epoch=epoch, train_loss=train_loss, test_loss=test_loss, test_acc=test_acc,
                   train_seconds=train_seconds, images_per_second=n_train / train_seconds, eval_seconds=eval_seconds)
        epochs.append(row)
        print(f"{epoch:>5} {train_loss:>10.4f} {test_loss:>9.4f} {test_acc:>8.2%} {train_seconds:>8.2f} "
              f"{row['images_per_second']:>9,.0f} {eval_seconds:>7.2f}", flush=True)

    steady = epochs[1:] or epochs
    summary = dict(
        model=type(model).__name__, parameters=params, dataset=args.dataset, variant=ds.variant,
        n_train=n_train, n_test=n_test, device=str(device), device_name=gpu or None,
        threads=torch.get_num_threads(), precision=str(amp_dtype or torch.float32), batch_size=args.batch_size,
        workers=args.workers, epochs=args.epochs, torch=torch.__version__, dry_run=args.dry_run,
        final_test_acc=epochs[-1]["test_acc"], best_test_acc=max(e["test_acc"] for e in epochs),
        total_train_seconds=sum(e["train_seconds"] for e in epochs),
        median_images_per_second=statistics.median(e["images_per_second"] for e in steady),
        per_epoch=epochs,
    )
    print(f"final test accuracy {summary['final_test_acc']:.2%} (best {summary['best_test_acc']:.2%}); "
          f"training {summary['total_train_seconds']:.1f} s in all, "
          f"{summary['median_images_per_second']:,.0f} images/s (median{' after the first epoch' if len(epochs) > 1 else ''})")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


if __name__ == "__main__":
    main()
