"""What a function does on a probe, written down so that two functions can be compared.

A probe is one way of calling a graded function: `Call(*args, **kwargs)` calls it with
fresh copies of the arguments; `Probe(label, run)` hands the function (or class) to
`run`, which returns whatever is worth comparing (for classes and training loops).

`observe(probe, obj)` returns an observation: {path: leaf}, one leaf per number,
array, exception or shape the call produced. Paths name where a leaf sits in the
result ("out", "out/1" for the second value returned, "arg0 changed" for whether the
first argument was modified, "warned" for a floating-point warning). Leaves are JSON
lists, so observations travel in files:

    ["raises", "ValueError"]          the call raised
    ["none"] | ["bool", True] | ["str", "cpu"] | ["type", "Tensor"] | ["len", 3]
    ["num", "f", 1.5]                 a number: kind "b" (bool), "i" (int) or "f" (float)
    ["array", [2, 3], "f", [...]]     an array (or tensor): shape, kind, values row-major

Everything here is deterministic and quiet: prints and warnings of the probed code are
swallowed, and every random-number state it may touch is put back afterwards.
"""

import contextlib
import copy
import io
import math
import random
import re
import sys
import warnings

import numpy as np

MAX_ITEMS = 10_000  # a generator probed is read this far at most
RTOL, ATOL = 1e-4, 1e-6  # two numbers are the same number within these
MARGIN = 10  # a mistake's number counts as different from the right one only beyond MARGIN x the tolerance


class Call:
    """Call the function with (deep copies of) these arguments; observe its result and its arguments."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.label = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])

    def __call__(self, function):
        args, kwargs = copy.deepcopy(self.args), copy.deepcopy(self.kwargs)
        before = copy.deepcopy(args)
        result = {"out": function(*args, **kwargs)}
        for i, (arg, was) in enumerate(zip(args, before)):
            if _mutable(arg):
                result[f"arg{i} changed"] = not _identical(arg, was)
        return result


class Probe:
    """Hand the function (or class) to run(obj); observe what run returns."""

    def __init__(self, label, run):
        self.label, self.run = label, run

    def __call__(self, obj):
        return {"out": self.run(obj)}


def _short(value):
    """A short, stable label for an argument (no memory addresses)."""
    if isinstance(value, np.ndarray):
        text = f"array{value.shape}"
    elif callable(value):
        text = getattr(value, "__name__", type(value).__name__)
    else:
        text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # no memory addresses: the files must not change
    return text if len(text) <= 40 else text[:37] + "..."


def _mutable(value):
    return isinstance(value, (np.ndarray, list, dict)) or type(value).__name__ in ("Tensor", "Parameter")


def observe(probe, obj):
    """{path: leaf} of one probe run on obj (a student's function or class)."""
    with quiet():
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with np.errstate(all="warn", under="ignore"):  # underflow to 0 is no sign of a mistake
                    result = probe(obj)
                found = leaves(result)
        except Exception as exc:  # noqa: BLE001 - what the student's code raises is the observation
            return {"out": ["raises", type(exc).__name__]}
    found["warned"] = ["bool", any(issubclass(w.category, RuntimeWarning) for w in caught)]
    return found


def leaves(value, path="", found=None):
    """{path: leaf} for a value: tuples, lists and dicts are walked, numbers and arrays are leaves."""
    found = {} if found is None else found
    value = _as_numpy(value)
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            leaves(value[key], _join(path, str(key)), found)
        return found
    if isinstance(value, (list, tuple)) and _numeric_sequence(value):
        value = np.asarray([_as_numpy(v) for v in value])
    if isinstance(value, (list, tuple)):
        found[_join(path, "len")] = ["len", len(value)]
        for i, item in enumerate(value):
            leaves(item, _join(path, str(i)), found)
        return found
    if _is_iterator(value):
        items = []
        for item in value:
            items.append(item)
            if len(items) >= MAX_ITEMS:
                break
        return leaves(items, path, found)
    found[path or "out"] = leaf(value)
    return found


def _join(path, part):
    return f"{path}/{part}" if path else part


def _as_numpy(value):
    if type(value).__name__ in ("Tensor", "Parameter") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


def _numeric_sequence(items):
    """A list of numbers, or of arrays of one shape: compared as one array."""
    if not items:
        return False
    items = [_as_numpy(v) for v in items]
    if all(_is_number(v) for v in items):
        return True
    shapes = {v.shape for v in items if isinstance(v, np.ndarray) and v.dtype.kind in "biuf"}
    return len(shapes) == 1 and all(isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in items)


def _is_number(value):
    return isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating))


def _is_iterator(value):
    return hasattr(value, "__next__") and hasattr(value, "__iter__") and not isinstance(value, (str, bytes))


def leaf(value):
    """One value as a leaf (see the module's docstring)."""
    if value is None:
        return ["none"]
    if isinstance(value, str):
        return ["str", value[:200]]
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        return ["bool", bool(value)]
    if isinstance(value, (int, np.integer)):
        return ["num", "i", int(value)]
    if isinstance(value, (float, np.floating)):
        return ["num", "f", _number(float(value))]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        kind = {"u": "i"}.get(value.dtype.kind, value.dtype.kind)
        values = [_number(float(v)) if kind == "f" else (bool(v) if kind == "b" else int(v)) for v in value.ravel()]
        return ["array", list(value.shape), kind, values]
    if type(value).__name__ == "device":  # torch.device
        return ["str", str(value)]
    return ["type", type(value).__name__]


def _number(x):
    """A float as JSON can hold it, rounded to 7 significant digits (inf and nan as strings)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float(f"{x:.7g}")


def header(found):
    """A leaf without its values: what must agree before numbers are compared."""
    if found[0] == "array":
        return found[:3]
    if found[0] == "num":
        return found[:2]
    return found


def values(found):
    """The numbers of a leaf (a list), or None for a leaf without numbers."""
    if found[0] == "array":
        return found[3]
    if found[0] == "num":
        return [found[2]]
    return None


def close(a, b, rtol=RTOL, atol=ATOL):
    """Are two numbers (as leaves hold them: floats, ints, bools, "nan", "inf") the same number?"""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def same_leaf(a, b, rtol=RTOL, atol=ATOL):
    if header(a) != header(b):
        return False
    va, vb = values(a), values(b)
    return va is None or all(close(x, y, rtol, atol) for x, y in zip(va, vb))


def _identical(a, b):
    """Exactly the same contents (arrays bit for bit, nan equal to nan), walking lists, tuples and dicts."""
    a, b = _as_numpy(a), _as_numpy(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_identical(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - objects that cannot be compared count as unchanged
        return True


@contextlib.contextmanager
def quiet():
    """Swallow what the probed code prints; put back every random state and numpy's error settings."""
    states = [(random.setstate, random.getstate()), (np.random.set_state, np.random.get_state())]
    torch = sys.modules.get("torch")
    if torch is not None:
        states.append((torch.random.set_rng_state, torch.random.get_rng_state()))
    settings = np.geterr()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        np.seterr(**settings)
        for restore, state in states:
            restore(state)
