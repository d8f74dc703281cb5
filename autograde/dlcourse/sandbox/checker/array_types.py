"""Array types that student code defines: results that decide for themselves how they compare.

Part of the in-kernel checker (see records.py for how these files are loaded).
A hidden test compares what a graded function returns with the right answer,
through numpy or PyTorch. An answer of a type of its own can take over that
comparison: an `ndarray` subclass with `__array_ufunc__` makes `np.isclose`
say yes everywhere, any class with `__array_function__` decides what
`np.allclose` returns, a `torch.Tensor` subclass with `__torch_function__`
does the same for `torch.allclose`. No lesson asks for such a type, so a
test that runs while one made by student code exists scores zero.

Every class alive at kernel start is known. A class that appears later and is
an array type (a subclass of numpy.ndarray, numpy.generic or torch.Tensor, or
a class with one of OVERRIDE_HOOKS in its own namespace) is reported unless a
library made it: its module is a library file that holds it under its name,
and none of its functions comes from anywhere else. Classes are found by
walking `type.__subclasses__` from `object` (C-level, no student code runs).
A class lives until the garbage collector frees it (every class is part of a
reference cycle), and the collector is off while a test runs (runner.py), so a
type made and dropped inside a test is still there for the check after it.
"""

import gc

OVERRIDE_HOOKS = ("__array_ufunc__", "__array_function__", "__array_wrap__", "__array_finalize__",
                  "__array_prepare__", "__array_priority__", "__array_interface__", "__array_struct__",
                  "__torch_function__", "__torch_dispatch__")

_type_subclasses = type.__subclasses__
_type_mro = type.__dict__["__mro__"].__get__
_type_qualname = type.__dict__["__qualname__"].__get__
_str_split = str.split
_gc_disable, _gc_enable, _gc_isenabled, _gc_get_stats = gc.disable, gc.enable, gc.isenabled, gc.get_stats
_StaticMethod, _ClassMethod, _Property = staticmethod, classmethod, property

_known_types = {}  # id -> class, for every class alive at kernel start or judged since (kept alive here)
_reported_types = {}  # id -> class, array types student code made (reported before every test they outlive)


def _all_classes():
    """{id: class} for every class alive, found through type.__subclasses__ from object."""
    found, stack = {}, [object]
    while stack:
        for cls in _type_subclasses(stack.pop()):
            if id(cls) not in found:
                found[id(cls)] = cls
                stack.append(cls)
    return found


def record_types():
    """Know every class alive now (at kernel start, before any student code)."""
    _known_types.update(_all_classes())


def _array_roots():
    roots = []
    numpy = _dict_get(_sys_modules, "numpy")
    if numpy is not None:
        roots += [_dict_get(numpy.__dict__, "ndarray"), _dict_get(numpy.__dict__, "generic")]
    torch = _dict_get(_sys_modules, "torch")
    if torch is not None:
        roots.append(_dict_get(torch.__dict__, "Tensor"))
    return [root for root in roots if root is not None]


def _is_array_type(cls, roots):
    namespace = _type_dict(cls)
    if any(name in namespace for name in OVERRIDE_HOOKS):
        return True
    return any(base is root for base in _type_mro(cls) for root in roots)


def _made_by_a_library(cls):
    """Is `cls` held by a library module under its own name, with every function from library files?"""
    namespace = _type_dict(cls)
    module = _dict_get(_sys_modules, namespace.get("__module__") or "")
    filename = None if module is None else _dict_get(module.__dict__, "__file__")
    if type(filename) is not str or not _library_file(filename):
        return False
    holder = module.__dict__
    for part in _str_split(_type_qualname(cls), "."):
        holder = _dict_get(holder, part) if type(holder) is dict else _type_dict(holder).get(part)
        if holder is None:
            return False
    if holder is not cls:
        return False
    for value in namespace.values():
        kind = type(value)
        if kind is _StaticMethod or kind is _ClassMethod:
            value = value.__func__
        elif kind is _Property:
            value = value.fget
        if type(value) is _FunctionType and not _library_file(value.__code__.co_filename):
            return False
    return True


def check_array_types(found):
    """Report each array type student code made that is still alive (zero for the test it concerns)."""
    roots = _array_roots()
    for key, cls in _all_classes().items():
        if key in _known_types:
            continue
        if key in _reported_types or (_is_array_type(cls, roots) and not _made_by_a_library(cls)):
            _reported_types[key] = cls
            found.append(f"student code defines {_type_qualname(cls)}, an array type that decides for itself "
                         "how it compares (numpy's or PyTorch's override hooks)")
        else:
            _known_types[key] = cls


def gc_collections():
    """How many collections the garbage collector has made so far (all generations)."""
    return sum(generation["collections"] for generation in _gc_get_stats())
