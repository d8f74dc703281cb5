"""Runs inside a grading kernel: keeps the testing machinery as it was.

`arm()` runs when the kernel starts, before any student code. It records the
functions the hidden tests rely on (numpy and its testing helpers, the
builtins, `math`, `warnings`, the course's `utils`, and IPython's machinery
for reporting errors) and, for modules imported later (torch), records them
the moment they are first imported.

Before every graded test cell the grader calls `before_test(aliases)`: it puts
back anything student code replaced (so `np.allclose = lambda *a: True`
earns nothing), points the notebook's import names (`np`, `toy`, ...) back
at the real modules, and hides student globals that shadow a builtin for the
duration of the test. After the cell, `after_test()` reports anything that was
replaced while the test ran; the grader then fails that cell. Every finding is
also reported to the instructor for review.

This defends against the usual ways of patching the checks, not against a
determined attacker with the whole Python process in hand: hence the reports.
"""

import importlib.abc
import importlib.util
import sys
import types
import warnings

WATCHED = ("builtins", "math", "warnings", "numpy", "numpy.testing", "numpy.linalg", "numpy.random",
           "torch", "torch.nn", "torch.nn.functional", "torch.testing", "utils", "utils.toy", "utils.data")
WATCHED_CLASSES = (
    ("IPython.core.interactiveshell", "InteractiveShell"),
    ("ipykernel.zmqshell", "ZMQInteractiveShell"),
    ("ipykernel.ipkernel", "IPythonKernel"),
    ("ipykernel.kernelbase", "Kernel"),
    ("torch", "Tensor"),
)

# Builtins that IPython itself swaps while running cells.
VOLATILE_BUILTINS = {"_", "__", "___", "exit", "quit", "get_ipython", "display", "help", "copyright",
                     "credits", "license", "__IPYTHON__"}

_modules = {}  # module name -> {attribute: original object}
_genuine_modules = {}  # module name -> the module object itself
_missing = object()
_classes = {}  # "module.Class" -> {attribute: original object}
_sys_state = {}
_shadowed = {}  # student globals hidden during a test


def _watched_items(namespace, builtins_module=False):
    """The entries of a namespace worth guarding: functions, classes, modules, descriptors."""
    kept = {}
    for name, value in namespace.items():
        if name.startswith("__") or (builtins_module and name in VOLATILE_BUILTINS):
            continue
        if callable(value) or isinstance(value, (types.ModuleType, property, classmethod, staticmethod)):
            kept[name] = value
    return kept


def _record_module(name):
    module = sys.modules.get(name)
    if module is None or name in _modules:
        return
    _modules[name] = _watched_items(vars(module), builtins_module=(name == "builtins"))
    _genuine_modules[name] = module
    for mod_name, cls_name in WATCHED_CLASSES:
        cls = getattr(module, cls_name, None) if mod_name == name else None
        if isinstance(cls, type):
            _classes[f"{mod_name}.{cls_name}"] = (cls, {
                k: v for k, v in vars(cls).items()
                if isinstance(v, (types.FunctionType, property, classmethod, staticmethod))})


class _RecordAfterImport(importlib.abc.MetaPathFinder):
    """Records a watched module as soon as it has been imported, before anyone can change it."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in WATCHED or fullname in _modules:
            return None
        sys.meta_path.remove(self)  # find the real spec without recursing into ourselves
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        real_exec = spec.loader.exec_module

        def exec_and_record(module):
            real_exec(module)
            _record_module(fullname)
        spec.loader.exec_module = exec_and_record
        return spec


def arm():
    """Record the pristine machinery. Called once, at kernel start."""
    for name in WATCHED:
        _record_module(name)
    for mod_name, _cls in WATCHED_CLASSES:
        if mod_name in sys.modules:
            _record_module(mod_name)
    shell = _shell()
    # IPython puts a few names of its own in the notebook's namespace (open, exit, ...).
    _sys_state["own_names"] = dict(shell.user_ns) if shell is not None else {}
    _sys_state.update(stdout=sys.stdout, stderr=sys.stderr, warning_filters=list(warnings.filters),
                      shell_overrides=set(_instance_overrides(shell)) if shell is not None else set())
    sys.meta_path.insert(0, _RecordAfterImport())


def _restore_everything():
    """Put back whatever changed since arm(); returns what was changed, in words."""
    found = []
    for name, original in _modules.items():
        module = _genuine_modules.get(name)
        if module is not None and sys.modules.get(name) is not module:
            found.append(f"sys.modules['{name}'] was replaced")
            sys.modules[name] = module
        if module is None:
            continue
        current = vars(module)
        for attr, value in original.items():
            if current.get(attr, _missing) is not value:
                found.append(f"{name}.{attr} was {'deleted' if attr not in current else 'replaced'}")
                setattr(module, attr, value)
    for qualname, (cls, original) in _classes.items():
        current = vars(cls)
        for attr, value in original.items():
            if current.get(attr, _missing) is not value:
                found.append(f"{qualname}.{attr} was replaced")
                setattr(cls, attr, value)
    shell = _shell()
    if shell is not None:
        for attr in set(_instance_overrides(shell)) - _sys_state["shell_overrides"]:
            found.append(f"the shell's {attr} was overridden")
            delattr(shell, attr)
    # (IPython swaps sys.displayhook and sys.excepthook itself while it runs a cell.)
    for attr in ("stdout", "stderr"):
        if getattr(sys, attr) is not _sys_state[attr]:
            found.append(f"sys.{attr} was replaced")
            setattr(sys, attr, _sys_state[attr])
    if warnings.filters != _sys_state["warning_filters"]:
        warnings.filters[:] = _sys_state["warning_filters"]  # global filters must not hide warnings from tests
    return found


def _instance_overrides(obj):
    """Callables stored on an instance that hide a method of its class."""
    return [a for a, v in vars(obj).items() if callable(v) and hasattr(type(obj), a)]


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def before_test(aliases):
    """Called before each graded test cell. aliases: {name in the notebook: "module" or "module:attribute"}.

    Returns findings (strings) for the instructor; the state is repaired either way.
    """
    if not armed():
        raise RuntimeError("the guard was not armed when the kernel started")
    found = _restore_everything()
    shell = _shell()
    user_ns = shell.user_ns if shell is not None else {}
    for alias, target in aliases.items():
        module_name, _, attr = target.partition(":")
        module = sys.modules.get(module_name)
        if module is None:
            continue
        genuine = _modules.get(module_name, {}).get(attr, _missing) if attr else module
        if genuine is _missing:
            continue
        if alias in user_ns and user_ns[alias] is not genuine:
            found.append(f"the notebook name '{alias}' was rebound")
            user_ns[alias] = genuine
    _shadowed.clear()
    own = _sys_state.get("own_names", {})
    for name in [n for n in list(user_ns) if n in _modules.get("builtins", {}) and not n.startswith("_")]:
        if user_ns[name] is not _modules["builtins"][name] and user_ns[name] is not own.get(name):
            _shadowed[name] = user_ns.pop(name)
            if callable(_shadowed[name]):
                found.append(f"a global named '{name}' replaced the builtin (hidden during the test)")
    return found


def after_test():
    """Called after each graded test cell: what was patched while it ran (then repaired)."""
    if not armed():
        raise RuntimeError("the guard was not armed when the kernel started")
    found = _restore_everything()
    shell = _shell()
    if shell is not None:
        for name, value in _shadowed.items():
            shell.user_ns.setdefault(name, value)
    _shadowed.clear()
    return found


def armed():
    return bool(_modules)

