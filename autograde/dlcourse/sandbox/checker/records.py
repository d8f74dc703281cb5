"""What hidden tests rely on, recorded before any student code runs, and put back around each test.

Part of the checker that runs inside a graded kernel (see guard.py): the files of
this folder are executed, in the order of guard.CHECKER_FILES, into one private
namespace that student code has no reference to. They share its globals.

Recorded: the functions, classes and submodules of the modules tests use (numpy
and all its submodules, builtins, math, warnings, unittest.mock, torch and
torch.testing, utils, ...), the insides of every recorded Python function (its
code, defaults and closure cells: `np.allclose`'s tolerance lives in its
defaults), the methods of the classes those modules define, and the import
system's hooks. `check_records()` compares the live objects with the records
using only C-level operations on exact types (so no student code can run while
it looks), restores what differs and says what it found.
"""

import sys
import types

# Modules and packages (with every submodule) whose insides hidden tests rely on.
RECORDED_PACKAGES = ("numpy", "torch.testing", "unittest", "utils", "importlib", "dlcourse")
# ... except these: the diagnosis's probe modules are no test's business (diagnose.py keeps their
# probes apart), and libraries change their classes as they run (PyTorch hooks the `step` of an
# optimizer class the first time one is made).
UNRECORDED_PACKAGES = ("utils.diagnosis.probes",)
RECORDED_MODULES = ("builtins", "sys", "math", "cmath", "warnings", "copy", "contextlib", "functools",
                    "operator", "itertools", "collections", "types", "threading", "io", "marshal", "os", "posixpath",
                    "genericpath", "stat", "select", "logging",
                    "torch", "torch.nn", "torch.nn.functional", "torch.nn.modules.module", "torch.optim",
                    "torch.optim.optimizer", "torch.utils.data", "torch.autograd", "torch.overrides",
                    "IPython.core.interactiveshell", "ipykernel.zmqshell", "ipykernel.ipkernel",
                    "ipykernel.kernelbase")
# Imported before any student code so that their insides are recorded as the libraries left them.
ALWAYS_PRELOAD = ("numpy", "numpy.testing", "numpy.linalg", "numpy.random", "math", "cmath", "warnings",
                  "copy", "contextlib", "functools", "operator", "unittest", "unittest.mock", "threading",
                  "logging", "collections", "utils")
# A lesson that imports torch also imports these, some of which patch torch when first imported.
TORCH_PRELOAD = ("torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.utils.data",
                 "torch.testing", "torch._dynamo", "torch.overrides")
# Names IPython and ipykernel rebind themselves while running cells.
VOLATILE_NAMES = {
    "builtins": {"_", "__", "___", "exit", "quit", "get_ipython", "display", "help", "copyright", "credits",
                 "license", "__IPYTHON__"},
    "sys": {"displayhook", "excepthook", "stdout", "stderr", "stdin", "ps1", "ps2", "ps3", "last_type",
            "last_value", "last_traceback", "last_exc", "tracebacklimit", "breakpointhook", "unraisablehook"},
}

_dict_get = dict.get
_dict_set = dict.__setitem__
_dict_items = dict.items
_type_setattr = type.__setattr__
_object_setattr = object.__setattr__
_type_dict = type.__dict__["__dict__"].__get__  # the live mappingproxy of a class, without asking the class
_type_flags = type.__dict__["__flags__"].__get__
_HEAPTYPE, _IMMUTABLETYPE = 1 << 9, 1 << 8
_FunctionType, _ModuleType, _MethodType = types.FunctionType, types.ModuleType, types.MethodType
_CellType = types.CellType
_sys_modules = sys.modules  # the interpreter's own dict, even if `sys.modules` is rebound later
_sys_dict = sys.__dict__
_missing = object()

_modules = {}  # name -> (module, its dict, its type, {attribute: object})
_classes = {}  # id -> (class, "module.Class", {attribute: object})
_functions = {}  # id -> (function, "where", code, defaults, kwdefaults, closure cells, their contents)
_import_state = {}


def _in_packages(name, packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


def _recorded_name(name):
    return name in RECORDED_MODULES or (_in_packages(name, RECORDED_PACKAGES)
                                        and not _in_packages(name, UNRECORDED_PACKAGES))


def _worth_recording(value):
    kind = type(value)
    return (kind is _FunctionType or kind is _ModuleType or issubclass(kind, type) or callable(value)
            or kind in (property, classmethod, staticmethod))


def _record_function(function, where):
    if type(function) is not _FunctionType or id(function) in _functions:
        return
    cells = function.__closure__ or ()
    _functions[id(function)] = (function, where, function.__code__, function.__defaults__,
                                function.__kwdefaults__, cells, tuple(_cell_value(c) for c in cells))
    wrapped = _dict_get(function.__dict__, "__wrapped__", None)
    if type(wrapped) is _FunctionType:
        _record_function(wrapped, where)


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _missing


def _record_callable_insides(value, where):
    kind = type(value)
    if kind is _FunctionType:
        _record_function(value, where)
    elif kind in (classmethod, staticmethod):
        _record_function(value.__func__, where)
    elif kind.__name__ == "_ArrayFunctionDispatcher":  # numpy's public functions wrap a Python one
        _record_function(value._implementation, where)


def _record_class(cls, where):
    flags = _type_flags(cls)
    if id(cls) in _classes or not flags & _HEAPTYPE or flags & _IMMUTABLETYPE:
        return
    entries = {}
    for attr, value in _dict_items(dict(_type_dict(cls))):
        if attr in ("__dict__", "__weakref__", "__doc__", "__module__", "__qualname__"):
            continue
        entries[attr] = value
        _record_callable_insides(value, f"{where}.{attr}")
    _classes[id(cls)] = (cls, where, entries)


def record_module(name):
    """Record one module (already imported) as it is now."""
    module = _dict_get(_sys_modules, name)
    if type(module) is not _ModuleType and not isinstance(module, _ModuleType) or name in _modules:
        return
    namespace = module.__dict__
    volatile = VOLATILE_NAMES.get(name, ())
    entries = {}
    for attr, value in _dict_items(dict(namespace)):
        if attr in volatile or (attr.startswith("__") and attr not in ("__import__", "__build_class__", "__getattr__")):
            continue
        if not _worth_recording(value):
            continue
        entries[attr] = value
        _record_callable_insides(value, f"{name}.{attr}")
        if issubclass(type(value), type) and _type_dict(value).get("__module__") == name:
            _record_class(value, f"{name}.{attr}")
    _modules[name] = (module, namespace, type(module), entries)


def record_modules():
    """Record every module of the recorded set that is imported now and not recorded yet."""
    for name in [n for n in list(_sys_modules) if n not in _modules and _recorded_name(n)]:
        record_module(name)


def record_import_state():
    _import_state.update(
        meta_path=sys.meta_path, meta_path_items=list(sys.meta_path),
        path_hooks=sys.path_hooks, path_hooks_items=list(sys.path_hooks),
        path=list(sys.path), path_importer_cache=sys.path_importer_cache,
        trace_hook=_threading_hook("_trace_hook"), profile_hook=_threading_hook("_profile_hook"),
    )
    for finder in sys.meta_path:
        if issubclass(type(finder), type):
            _record_class(finder, f"sys.meta_path finder {finder.__name__}")
        else:
            _record_class(type(finder), f"sys.meta_path finder {type(finder).__name__}")


def _threading_hook(name):
    threading = _dict_get(_sys_modules, "threading")
    return _dict_get(threading.__dict__, name) if threading is not None else None


def check_records(found):
    """Put every recorded object back where it was; append a sentence to `found` for each difference."""
    for name, (module, namespace, module_type, entries) in _dict_items(_modules):
        if _dict_get(_sys_modules, name) is not module:
            found.append(f"sys.modules['{name}'] was replaced")
            _dict_set(_sys_modules, name, module)
        if type(module) is not module_type:
            found.append(f"the type of module {name} was changed")
            _object_setattr(module, "__class__", module_type)
        for attr, value in _dict_items(entries):
            current = _dict_get(namespace, attr, _missing)
            if current is not value:
                found.append(f"{name}.{attr} was {'deleted' if current is _missing else 'replaced'}")
                _dict_set(namespace, attr, value)
    for cls, where, entries in list(_classes.values()):
        live = _type_dict(cls)
        for attr, value in _dict_items(entries):
            current = live.get(attr, _missing)
            if current is not value:
                found.append(f"{where}.{attr} was {'deleted' if current is _missing else 'replaced'}")
                _type_setattr(cls, attr, value)
    for function, where, code, defaults, kwdefaults, cells, contents in list(_functions.values()):
        if function.__code__ is not code:
            found.append(f"the code of {where} was replaced")
            function.__code__ = code
        if function.__defaults__ is not defaults or function.__kwdefaults__ is not kwdefaults:
            found.append(f"the default arguments of {where} were changed")
            function.__defaults__, function.__kwdefaults__ = defaults, kwdefaults
        for cell, value in zip(cells, contents):
            if _cell_value(cell) is not value:
                found.append(f"a variable captured by {where} was changed")
                if value is _missing:
                    del cell.cell_contents
                else:
                    cell.cell_contents = value
    _check_import_state(found)


def _check_import_state(found):
    state = _import_state
    for attr, label in (("meta_path", "sys.meta_path"), ("path_hooks", "sys.path_hooks")):
        live = _dict_get(_sys_dict, attr)
        if live is not state[attr]:
            found.append(f"{label} was replaced")
            _dict_set(_sys_dict, attr, state[attr])
        items = state[attr + "_items"]
        current = list(state[attr])
        if len(current) != len(items) or any(a is not b for a, b in zip(current, items)):
            added = [x for x in current if not any(x is y for y in items)]
            if any(not library_origin(x) for x in added) or len(added) + len(items) != len(current):
                found.append(f"{label} was changed (an import hook was added or removed)")
                state[attr][:] = items
            else:  # a library added its own finder on a lazy import: keep it
                state[attr + "_items"] = current
    if _dict_get(_sys_dict, "path_importer_cache") is not state["path_importer_cache"]:
        found.append("sys.path_importer_cache was replaced")
        _dict_set(_sys_dict, "path_importer_cache", state["path_importer_cache"])
    threading = _dict_get(_sys_modules, "threading")
    for name, key in (("_trace_hook", "trace_hook"), ("_profile_hook", "profile_hook")):
        if threading is not None and _dict_get(threading.__dict__, name) is not state[key]:
            found.append(f"threading's {'trace' if name == '_trace_hook' else 'profile'} hook for new threads was set")
            _dict_set(threading.__dict__, name, state[key])


def genuine(module_name, attribute=""):
    """The recorded object for `module` or `module:attribute`, or _missing."""
    record = _dict_get(_modules, module_name)
    if record is None:
        module = _dict_get(_sys_modules, module_name)
        if attribute or module is None:
            return _missing
        return module
    if not attribute:
        return record[0]
    return _dict_get(record[3], attribute, _missing)


def library_origin(obj):
    """Is `obj`'s code part of an installed package, rather than a notebook cell or a string?

    Used to tell a hook a library installed (matplotlib's figure display) from one student code
    installed. Reads only through C-level accessors of exact types.
    """
    for _ in range(8):
        kind = type(obj)
        if kind is _MethodType:
            obj = obj.__func__
        elif kind.__name__ == "partial" and kind.__module__ == "functools":
            obj = obj.func
        else:
            break
    if type(obj) is _FunctionType:
        return _library_file(obj.__code__.co_filename)
    cls = obj if issubclass(type(obj), type) else type(obj)
    module = _dict_get(_sys_modules, _type_dict(cls).get("__module__") or "")
    if module is None:
        return False
    filename = _dict_get(module.__dict__, "__file__")
    return isinstance(filename, str) and _library_file(filename)


def _library_file(filename):
    import os
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots |= set(_extra_library_roots)
    try:
        path = os.path.realpath(filename)
    except (TypeError, ValueError):
        return False
    return os.path.isfile(path) and any(path.startswith(root + os.sep) for root in roots)


_extra_library_roots = []  # the course's own packages (utils, dlcourse), filled in by guard.arm
