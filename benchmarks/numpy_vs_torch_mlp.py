"""One epoch of the same MLP in numpy (lesson 07's solution code) and in PyTorch on the CPU.

Both train a 784-128-10 ReLU network on the MNIST training images with
mini-batch SGD: the same initial weights, the same batches in the same order,
the same learning rate. The numpy side runs the reference solution of lesson
07 exactly as a student's notebook would (`train_epoch`, built on the toolbox
cell); the PyTorch side is the idiomatic nn.Sequential / optimizer loop. The
script prints the time of one epoch for each (best of several runs), their
ratio, and how far apart the two trained networks end up, which shows that
both did the same computation.

    .venv/bin/python benchmarks/numpy_vs_torch_mlp.py              # default threads
    .venv/bin/python benchmarks/numpy_vs_torch_mlp.py --threads 1  # one core each

This is a measurement, not a test: it prints figures and always exits 0
unless something is broken.
"""

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LESSON = "07-softmax-mnist"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, default=128, help="hidden units (default 128)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default 64)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per framework; the best counts (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and for torch (default: each library's own default)")
    return parser.parse_args(argv)


ARGS = parse_args()
if ARGS.threads:
    # BLAS libraries read these when they load, so they must be set before numpy is imported.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import nbformat  # noqa: E402  (after the thread settings)
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(REPO))
from utils import data  # noqa: E402


def lesson_code():
    """The toolbox and every answer of lesson 07's solution notebook, run in a fresh namespace."""
    nb = nbformat.read(REPO / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    namespace = {"np": np}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade_id") == "toolbox"):
            source = "\n".join(line for line in cell.source.split("\n")
                               if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            exec(compile(source, f"<{LESSON}:{meta['grade_id']}>", "exec"), namespace)
    return namespace


def best_time(run, repeats):
    """Smallest wall-clock time of `repeats` calls of run(); returns (seconds, last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    lesson = lesson_code()
    mnist = data.load_mnist(verbose=False)
    X = data.to_features(mnist.X_train)            # (n, 784) float32 in [0, 1]
    y = mnist.y_train
    sizes = [784, ARGS.hidden, 10]
    params0 = lesson["init_params"](sizes, seed=0)  # float32, as in the lesson

    # numpy: the lesson's own training loop. rng seed 0 fixes the batch order.
    def numpy_epoch():
        return lesson["train_epoch"](params0, X, y, ARGS.lr, ARGS.batch_size, np.random.default_rng(0))

    # PyTorch: the same network, weights copied (nn.Linear stores W transposed), the same batches.
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(X)))
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def torch_epoch():
        model = nn.Sequential(nn.Linear(784, ARGS.hidden), nn.ReLU(), nn.Linear(ARGS.hidden, 10))
        with torch.no_grad():
            for layer, (W, b) in zip(model[::2], params0):
                layer.weight.copy_(torch.from_numpy(W.T))
                layer.bias.copy_(torch.from_numpy(b))
        optimizer = torch.optim.SGD(model.parameters(), lr=ARGS.lr)
        loss_fn = nn.CrossEntropyLoss()
        losses = []
        for start in range(0, len(order), ARGS.batch_size):
            batch = order[start:start + ARGS.batch_size]
            loss = loss_fn(model(X_t[batch]), y_t[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return model, losses

    numpy_epoch()  # warm-up: first touches of memory and BLAS thread start-up
    torch_epoch()
    t_numpy, (params, np_losses) = best_time(numpy_epoch, ARGS.repeats)
    t_torch, (model, torch_losses) = best_time(torch_epoch, ARGS.repeats)

    torch_params = [(layer.weight.detach().numpy().T, layer.bias.detach().numpy()) for layer in model[::2]]
    weight_gap = max(float(np.max(np.abs(a - b))) for (W, bw), (V, bv) in zip(params, torch_params)
                     for a, b in ((W, V), (bw, bv)))
    batches = len(np_losses)
    print(f"data: {len(X):,} MNIST training images; network {'-'.join(map(str, sizes))}; "
          f"batch {ARGS.batch_size} ({batches} updates); lr {ARGS.lr}; float32")
    print(f"threads: torch {torch.get_num_threads()}, BLAS {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}; "
          f"{os.cpu_count()} CPUs visible; numpy {np.__version__}, torch {torch.__version__}")
    print(f"numpy (lesson 07 solution): {t_numpy:.3f} s per epoch   mean batch cost {np.mean(np_losses):.4f}")
    print(f"PyTorch CPU:                {t_torch:.3f} s per epoch   mean batch cost {np.mean(torch_losses):.4f}")
    print(f"numpy / PyTorch time ratio: {t_numpy / t_torch:.2f}  (goal: at most 2)")
    print(f"largest difference between the trained weights: {weight_gap:.1e} (float32 rounding only)")


if __name__ == "__main__":
    main()
