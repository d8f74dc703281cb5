"""What the PyTorch lessons' probes (09, 10) share: probes on one thread, checks that report what they raised."""

import torch

from ..observe import Probe


def one_thread(run):
    """run, on one PyTorch thread: tiny tensors gain nothing from more, and on a busy machine each
    operation would wait for the other threads (the setting is put back afterwards)."""

    def single(obj):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return run(obj)
        finally:
            torch.set_num_threads(threads)

    return single


def probe(label, run):
    """A Probe whose run uses one PyTorch thread."""
    return Probe(label, one_thread(run))


def attempt(compute):
    """compute(), or the name of what it raised (a check that fails must not hide the others)."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - what the student's code raises is the observation
        return "raises " + type(exc).__name__
