"""No answer for free: nothing a graded kernel can import does the job of a graded function.

Graded kernels can import `utils` (the lessons need it) and the grader package
`dlcourse` (its in-kernel checker lives there), so a function in either that computes
what an exercise asks for would be a ready-made answer: `sigmoid =
utils.playground.sigmoid` once earned lesson 02's sigmoid points, and
`utils.playground._ACT["ReLU"][0]` was a relu. This test tries every such shortcut.
For every graded function and class of every lesson (read from the reference answer
cells, so functions graded beyond the syllabus count too), it substitutes, as the
student's answer, every callable whose code lives in `utils/` or in the grader
package (PACKAGES): module-level functions
and classes, public or private, the callables kept in module-level tables (dicts,
lists, tuples), the methods of utils' classes and the callables held by their
module-level objects. Each is written the way a student would write it in the answer
cell: `from utils.playground import logistic_loss as mse`, or `import utils.widgets` then
`step = utils.widgets.LivePlot.values` for one that is not a module-level name. A substitution is tried when the callable's signature can bind the graded
function's required arguments (`inspect.signature(...).bind`; for a graded class, those
of its `__init__`; a callable without a readable signature is always tried). One more
two substitutes are tried for every graded name: a function whose results claim to equal
anything, compare in every order and turn into 0 as a number; and one that returns an
array of the first argument's shape whose every elementwise operation answers True, so
that `np.allclose`, `np.testing.assert_allclose` and `==` agree with it. Every test cell of
that function must then fail.

Not substituted:
- callables defined elsewhere and only imported into utils (numpy, matplotlib,
  ipywidgets, torch): a kernel can import them from their own library anyway, and the
  lessons may build on them;
- in the lessons that do not import torch, the modules that need torch
  (utils.torch_helpers): grading hides ctypes from those lessons' kernels (README,
  "Grading safely"), and torch cannot be imported without it. Lessons 09 and 10 try them all.

The substitutions are tried with the mistake catalogue's quick machinery
(tests/mistakes/trial.py): one process per lesson, a forked child per substitution that
runs from the answer cell to the function's own test cells and no further, in a copy
of the lesson's folder (a grader function handed arrays should fail, but must not be
able to write into solutions/ if it did not). As a
control, every graded function is also replaced by its reference solution imported
from a module the same way, and those tests must pass: so the import path works and a
drop-in answer would be caught. The trial runs without network and with
`DLCOURSE_DATA_DIR` in a temporary folder: `utils.data.download()` takes no required
argument either. Several thousand substitutions, each a fork: see the printed counts.
"""

import ast
import functools
import importlib
import inspect
import os
import pkgutil
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import pytest

from dlcourse import notebooks
from dlcourse.paths import LESSONS_DIR, SOLUTIONS_DIR, lesson_ids, lesson_notebook

from . import nbcells
from .mistakes import trial
from .submissions import reference_answers
from .syllabus import SYLLABUS

LESSONS = lesson_ids()
CELL_TIMEOUT = 30  # seconds; the reference cells need far less, a stuck substitution costs this once
CONTROL_PREFIX = "no_free_answers_reference_"
PACKAGES = ("utils", "dlcourse")  # every package of the course a graded kernel can import
ALWAYS_EQUAL_MODULE = "no_free_answers_always_equal"
ALWAYS_EQUAL = """
class AlwaysEqual:
    \"\"\"A result that claims to equal anything: an answer that hopes the tests compare with ==.\"\"\"

    def __init__(self, *args, **kwargs):
        pass

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True

    __le__ = __gt__ = __ge__ = __lt__

    def __bool__(self):
        return True

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    __index__ = __int__

    def __len__(self):
        return 0

    def __iter__(self):
        return iter(())

    def __hash__(self):
        return 0

    def __getattr__(self, name):
        return AlwaysEqual()

    def __call__(self, *args, **kwargs):
        return AlwaysEqual()

    def __getitem__(self, key):
        return AlwaysEqual()

    def __abs__(self):
        return 0.0

    def __add__(self, other):
        return AlwaysEqual()

    __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __matmul__ = __rmatmul__ = __add__
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __pos__ = __add__


def always_equal(*args, **kwargs):
    return AlwaysEqual()


import numpy as _np


class Agreeable(_np.ndarray):
    \"\"\"An array whose every elementwise operation answers "yes": np.isclose, ==, <= of it are all True.\"\"\"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc in (_np.isnan, _np.isinf, _np.isfinite):  # honest here, so that nan checks agree
            return ufunc(*[_np.asarray(x) for x in inputs])
        shapes = [_np.shape(x) for x in inputs if not isinstance(x, (str, type(None)))]
        shape = () if method in ("reduce", "accumulate") else _np.broadcast_shapes(*shapes)
        if ufunc in (_np.logical_not, _np.invert, _np.not_equal):  # "no mismatch anywhere"
            return _np.zeros(shape, dtype=bool)
        return _np.ones(shape, dtype=bool).view(Agreeable)


def always_close(*args, **kwargs):
    \"\"\"An Agreeable array shaped like the first argument (the output's shape for an elementwise answer).\"\"\"
    first = args[0] if args else 0.0
    try:
        return _np.array(first, dtype=float).view(Agreeable)
    except (TypeError, ValueError):
        return _np.zeros(()).view(Agreeable)


class AgreeableInt(int):
    \"\"\"An int that equals anything and is at once smaller and larger than anything.\"\"\"

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = int.__hash__


class AgreeableFloat(float):
    \"\"\"A float that equals anything and is at once smaller and larger than anything.\"\"\"

    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = (AgreeableInt.__eq__, AgreeableInt.__ne__, AgreeableInt.__lt__,
                                                      AgreeableInt.__le__, AgreeableInt.__gt__, AgreeableInt.__ge__)
    __hash__ = float.__hash__


def agreeable_like(value):
    \"\"\"value's structure, types and shapes with every number wrong (one more; a bool flipped): every
    array or numpy number Agreeable, every Python int or float an AgreeableInt or AgreeableFloat;
    None for anything else (a tensor, a string, a model).\"\"\"
    if type(value) is int:
        return AgreeableInt(value + 1)
    if type(value) is float:
        return AgreeableFloat(value + 1)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(agreeable_like(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(agreeable_like(v) for v in value)
    if isinstance(value, dict):
        return {key: agreeable_like(v) for key, v in value.items()}
    if isinstance(value, (_np.ndarray, _np.generic, int, float)):
        array = _np.asarray(value)
        if array.dtype.kind in "biuf":
            wrong = ~array if array.dtype.kind == "b" else (array + 1).astype(array.dtype)
            return _np.asarray(wrong).view(Agreeable)
    return None
"""
ALWAYS_EQUAL_NAMES = ("always_equal", "always_close")


# ------------------------------------------------------------ the graded interface

def graded_interface(lesson):
    """{name: required positional parameters} of every graded function and class, in notebook order.

    A graded answer cell's grade id is the name it defines; for a class, the parameters
    are those of its __init__ without self."""
    nb = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    found = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or not nbcells.is_answer_cell(cell):
            continue
        name = notebooks.grade_id(cell)
        tree = ast.parse(nbcells.strip_solution_markers(cell.source))
        node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)
        if isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            args, skip = (init.args, 1) if init else (None, 0)
        else:
            args, skip = node.args, 0
        if args is None:
            found[name] = []
            continue
        positional = (args.posonlyargs + args.args)[skip:]
        found[name] = [a.arg for a in positional[:len(positional) - len(args.defaults)]]
    return found


def owned_tests(lesson, names):
    """{name: [its test cells' grade ids]}: test_<name> and test_<name>_<anything>, each test
    given to the longest name it fits (test_relu_grad is relu_grad's, not relu's)."""
    nb = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    owned = {name: [] for name in names}
    for cell in nb.cells:
        if nbcells.is_autograded_test(cell):
            gid = notebooks.grade_id(cell)
            owners = [n for n in names if gid == f"test_{n}" or gid.startswith(f"test_{n}_")]
            if owners:
                owned[max(owners, key=len)].append(gid)
    return owned


# ------------------------------------------------------------ what utils holds

def defined_in(obj, package):
    """Is obj's code in the package's own files (a function, a class, a method, a partial of one)?"""
    if isinstance(obj, functools.partial):
        return defined_in(obj.func, package)
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and (module == package or module.startswith(package + ".")):
        return True
    code = getattr(obj, "__code__", None)
    folder = Path(importlib.import_module(package).__file__).resolve().parent
    return isinstance(code, types.CodeType) and Path(code.co_filename).resolve().is_relative_to(folder)


def package_modules(package):
    """The package and every module under it, imported (but no __main__: importing one runs a program)."""
    root = importlib.import_module(package)
    return [root] + [importlib.import_module(m.name) for m in pkgutil.walk_packages(root.__path__, package + ".")
                     if not m.name.endswith(".__main__")]


def callables_of(package):
    """[(callable, path)] for every distinct callable defined in the package's own files that code
    reaches from its modules: path is (module, name, ("attr" | "item", key), ...).

    Walks module globals, then into dicts, lists and tuples, into the classes defined in the package
    (their functions, static and class methods) and into the objects of those classes. Each
    callable is listed once, under its own module's name where it has one."""
    found = {}

    def visit(obj, path, seen):
        if id(obj) in seen or len(path) > 12 or isinstance(obj, types.ModuleType):
            return
        seen = seen | {id(obj)}
        if callable(obj) and defined_in(obj, package):
            found.setdefault(id(obj), (obj, path))
        if isinstance(obj, type):
            if defined_in(obj, package):
                for key, value in list(vars(obj).items()):
                    if isinstance(value, (staticmethod, classmethod)):
                        value = getattr(obj, key)
                    visit(value, path + (("attr", key),), seen)
        elif isinstance(obj, dict):
            for key, value in list(obj.items()):
                if isinstance(key, (str, int)):
                    visit(value, path + (("item", key),), seen)
        elif isinstance(obj, (list, tuple)):
            for i, value in enumerate(obj):
                visit(value, path + (("item", i),), seen)
        elif defined_in(type(obj), package) and hasattr(obj, "__dict__"):
            for key, value in list(vars(obj).items()):
                visit(value, path + (("attr", key),), seen)

    modules = package_modules(package)
    at_home = [(m, k, v) for m in modules for k, v in vars(m).items()
               if getattr(v, "__module__", None) == m.__name__]
    elsewhere = [(m, k, v) for m in modules for k, v in vars(m).items()
                 if not k.startswith("__") and getattr(v, "__module__", None) != m.__name__]
    for module, key, value in at_home + elsewhere:
        visit(value, (module.__name__, key), frozenset())
    return list(found.values())


@functools.lru_cache(maxsize=None)
def reachable_callables():
    """callables_of() every package in PACKAGES."""
    return [found for package in PACKAGES for found in callables_of(package)]


def _imports(module):
    """The modules a utils module's source imports (absolute names), at any depth of its code."""
    tree = ast.parse(Path(module.__file__).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import plots, from .widgets import LivePlot
                package = module.__name__ if module.__file__.endswith("__init__.py") else module.__package__
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


@functools.lru_cache(maxsize=None)
def needs_torch():
    """The modules of PACKAGES that cannot be imported without torch (directly or through another)."""
    modules = {m.__name__: _imports(m) for package in PACKAGES for m in package_modules(package)}
    needing = {name for name, imported in modules.items() if any(i == "torch" or i.startswith("torch.") for i in imported)}
    while True:
        more = {name for name, imported in modules.items() if imported & needing} - needing
        if not more:
            return needing
        needing |= more


def lesson_imports_torch(lesson):
    """Does the lesson's setup import torch? Only then can its graded kernels load it: grading
    hides ctypes from every other lesson (README, "Grading safely"), and torch needs ctypes."""
    nb = notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR))
    setup = next(cell.source for cell in nb.cells if cell.cell_type == "code")
    return any(name == "torch" or name.startswith("torch.") for name in
               {a.name for n in ast.walk(ast.parse(setup)) if isinstance(n, ast.Import) for a in n.names}
               | {n.module or "" for n in ast.walk(ast.parse(setup)) if isinstance(n, ast.ImportFrom)})


def candidates_for(lesson):
    """reachable_callables() that a graded kernel of this lesson can import."""
    if lesson_imports_torch(lesson):
        return reachable_callables()
    return [(obj, path) for obj, path in reachable_callables() if path[0] not in needs_torch()]


def label(path):
    """The expression that reaches the callable at `path`, e.g. utils.widgets.LivePlot.values."""
    module, top, *rest = path
    return f"{module}.{top}" + "".join(f".{key}" if kind == "attr" else f"[{key!r}]" for kind, key in rest)


def answer_cell(name, path):
    """The answer cell a student would write to make `name` the callable at `path`."""
    module, top, *rest = path
    if not rest:
        return f"from {module} import {top} as {name}\n"
    return f"import {module}\n{name} = {label(path)}\n"


def fits(obj, n_required):
    """Can obj be called with the graded function's n required arguments, given positionally?"""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):  # no signature to read: try it
        return True
    try:
        signature.bind(*range(n_required))
    except TypeError:
        return False
    return True


# ------------------------------------------------------------ the trial

def control_modules(lesson, folder):
    """{name: module}: for each graded name, a module in `folder` that defines the reference answer.

    Each is a stand-in for a utils module that held a correct answer. Its code is the reference
    answer cell, run on a copy of the notebook's namespace (which the answer reads: numpy, the
    lesson's helpers, earlier answers) taken when the answer cell imports it."""
    modules = {}
    for name, source in reference_answers(lesson).items():
        module = f"{CONTROL_PREFIX}{lesson.replace('-', '_')}_{name}"
        (folder / f"{module}.py").write_text(
            "import sys as _sys\n\n"
            "globals().update({k: v for k, v in vars(_sys.modules['__main__']).items() if not k.startswith('_')})\n\n"
            + source + "\n")
        modules[name] = module
    return modules


DISGUISED_PREFIX = "no_free_answers_disguised_"


def disguised_modules(lesson, folder, controls):
    """{name: module}: for each graded function (not class), a module in `folder` whose `name` returns
    what the reference returns, shaped and typed the same, with every number wrong and every
    array or number one that agrees with anything (agreeable_like). A student can get the shapes
    right without doing the work;
    a test that compares results it has not first made plain numbers or arrays would pass this.
    The reference works on deep copies of the arguments (when they can be copied), so that a
    function whose job is done in place (lesson 09's manual_sgd_step returns None) is not done."""
    modules = {}
    for name, source in reference_answers(lesson).items():
        tree = ast.parse(nbcells.strip_solution_markers(source))
        if any(isinstance(node, ast.ClassDef) and node.name == name for node in tree.body):
            continue
        module = f"{DISGUISED_PREFIX}{lesson.replace('-', '_')}_{name}"
        (folder / f"{module}.py").write_text(
            f"import copy\n\n"
            f"from {ALWAYS_EQUAL_MODULE} import agreeable_like\n"
            f"from {controls[name]} import {name} as _reference\n\n\n"
            f"def {name}(*args, **kwargs):\n"
            f"    try:\n"
            f"        args, kwargs = copy.deepcopy((args, kwargs))\n"
            f"    except Exception:  # a generator, say: the arguments as given\n"
            f"        pass\n"
            f"    return agreeable_like(_reference(*args, **kwargs))\n")
        modules[name] = module
    return modules


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """The trial process's surroundings: no network, a scratch data folder, the control module."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # nothing listens there: refused at once
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "data"))
    # A course root of its own: a grader function tried as an answer (dlcourse.build.build(0) rebuilds
    # every lesson) writes into this copy, never into the repository's lessons/, which other tests
    # running at the same time read.
    root = tmp_path / "course-root"
    shutil.copytree(LESSONS_DIR, root / "lessons")
    (root / "autograde").mkdir()
    monkeypatch.setenv("DLCOURSE_ROOT", str(root))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    (tmp_path / f"{ALWAYS_EQUAL_MODULE}.py").write_text(ALWAYS_EQUAL)
    return tmp_path


def test_every_syllabus_function_is_tried():
    for lesson in LESSONS:
        graded = graded_interface(lesson)
        assert set(SYLLABUS.get(lesson, {})) <= set(graded), f"{lesson}: graded answers {sorted(graded)}"
        owned = owned_tests(lesson, graded)
        assert all(owned.values()), f"{lesson}: graded names without a test cell: {owned}"


MADE_UP = {
    "__init__.py": "from .helpers import public\n",
    "helpers.py": """
import numpy as np
from numpy import tanh  # defined elsewhere: not a candidate

TABLE = {"relu": lambda z: np.maximum(z, 0), "nested": [(None, lambda z: z + 1)]}


def public(x):
    return x


def _private(x):
    return x


class Box:
    def method(self, x):
        return x

    @staticmethod
    def static(x):
        return x

    @classmethod
    def make(cls):
        return cls()


HOLDER = Box()
HOLDER.held = lambda z: -z
""",
}


@pytest.fixture
def made_up_package(tmp_path, monkeypatch):
    package = tmp_path / "made_up_helpers"
    package.mkdir()
    for name, source in MADE_UP.items():
        (package / name).write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package.name
    for module in [m for m in sys.modules if m.split(".")[0] == package.name]:
        del sys.modules[module]


def test_the_search_finds_what_a_student_could_reach(made_up_package):
    """Private names, tables, methods and callables held by objects; each callable once, under its own
    module; nothing only imported; and each path, written as an answer cell, gives that very callable."""
    found = callables_of(made_up_package)
    paths = {label(path) for _, path in found}
    h = "made_up_helpers.helpers"
    assert paths >= {f"{h}.public", f"{h}._private", f"{h}.TABLE['relu']", f"{h}.TABLE['nested'][0][1]", f"{h}.Box",
                     f"{h}.Box.method", f"{h}.Box.static", f"{h}.Box.make", f"{h}.HOLDER.held"}, paths
    assert "made_up_helpers.public" not in paths and not any("tanh" in p for p in paths)
    assert len(paths) == len(found), "each callable once"
    for obj, path in found:
        namespace = {}
        exec(answer_cell("answer", path), namespace)
        assert namespace["answer"] is obj or namespace["answer"] == obj, label(path)


def test_utils_and_the_grader_are_searched_through_and_through():
    paths = {label(path) for _, path in reachable_callables()}
    assert {"utils.fast_mode", "utils.toy.circles", "utils.widgets.LivePlot", "utils.widgets.LivePlot.redraw",
            "utils.playground.Playground._train", "utils.data.Dataset.describe"} <= paths
    assert "utils.torch_helpers.confusion_matrix" in paths
    assert {"dlcourse.grading.grade", "dlcourse.notebooks.grade_id", "dlcourse.sandbox.channel.ask"} <= paths
    assert all(defined_in(obj, path[0].split(".")[0]) for obj, path in reachable_callables())


def test_the_always_equal_answer_would_fool_a_test_that_only_compares():
    namespace = {}
    exec(ALWAYS_EQUAL, namespace)
    result = namespace["always_equal"]([1, 2], 0.5)
    assert result == 3 and result == "anything" and not result != [0.1, 0.2] and result <= 0 and result >= 0
    assert result.shape == (2, 1) and result[0] == 7 and float(result) == 0.0 and len(result) == 0
    close = namespace["always_close"](np.array([1.0, 2.0]))
    assert np.allclose(close, [5.0, -3.0]) and (close == [0.0, 9.0]).all() and np.isclose(close, 1e9).all()
    np.testing.assert_allclose(close, [7.0, 8.0])
    right = (np.array([[0.5, 2.0]]), 3, 0.25)
    disguised = namespace["agreeable_like"](right)
    assert isinstance(disguised, tuple) and disguised[0].shape == (1, 2) and np.ndim(disguised[1]) == 0
    assert np.allclose(disguised[0], right[0]) and disguised[1] == 3
    assert not np.allclose(np.asarray(disguised[0]), right[0])
    assert isinstance(disguised[1], int) and disguised[1] == 7 and disguised[1] < 0 and int(disguised[1]) == 4
    assert isinstance(disguised[2], float) and disguised[2] == 0.0 and float(disguised[2]) == 1.25


def preload(candidates):
    """A setup cell that imports the candidates' modules before the trial forks, binding no name:
    each child then finds them in sys.modules instead of importing the grader's dependencies
    (nbgrader, jupyter_server) again, which costs most of a second per substitution."""
    modules = sorted({path[0] for _, path in candidates})
    return {"grade_id": "", "kind": "setup",
            "source": "".join(f"__import__('importlib').import_module({m!r})\n" for m in modules)}


def try_substitutions(lesson, cells, plan, owned):
    """Run the plan [(path or None, {name: answer source})] in the trial, each entry a pretend
    submission that runs only the test cells of the names it answers; per entry {test: error}."""
    batches = [answers for _, answers in plan]
    only = [[test for name in answers for test in owned[name]] for answers in batches]
    with tempfile.TemporaryDirectory(prefix="dlcourse-no-free-") as scratch:
        folder = shutil.copytree(SOLUTIONS_DIR / lesson, Path(scratch) / lesson)
        reference, outcomes = trial.run_cells(cells, batches, folder, cell_timeout=CELL_TIMEOUT, tests=only)
    assert not trial.failing(reference), f"{lesson}: the reference solution fails: {reference}"
    return outcomes


@pytest.mark.parametrize("lesson", LESSONS)
def test_nothing_importable_earns_a_graded_functions_points(lesson, offline):
    graded = graded_interface(lesson)
    owned = owned_tests(lesson, graded)
    candidates = candidates_for(lesson)
    cells = [preload(candidates)] + trial.needed_cells(notebooks.read(lesson_notebook(lesson, SOLUTIONS_DIR)),
                                                       reference_answers(lesson))
    controls = control_modules(lesson, offline)
    # First the control: every reference answer imported from a module, in one pretend submission.
    plan = [(None, {name: f"from {controls[name]} import {name} as {name}\n" for name in graded})]
    plan += [(path, {name: answer_cell(name, path)}) for name, required in graded.items()
             for obj, path in candidates if fits(obj, len(required))]
    plan += [((ALWAYS_EQUAL_MODULE, fake), {name: answer_cell(name, (ALWAYS_EQUAL_MODULE, fake))})
             for name in graded for fake in ALWAYS_EQUAL_NAMES]
    plan += [((module, name), {name: answer_cell(name, (module, name))})
             for name, module in disguised_modules(lesson, offline, controls).items()]
    start = time.perf_counter()
    outcomes = try_substitutions(lesson, cells, plan, owned)
    print(f"{lesson}: {len(plan) - 1} substitutions of {len(candidates)} callables for {len(graded)} "
          f"graded functions and classes, {time.perf_counter() - start:.1f} s")

    control, every_test = outcomes[0], {test for name in graded for test in owned[name]}
    assert set(control) == every_test and not trial.failing(control), (
        f"{lesson}: the reference answers, imported from modules, fail their tests, so this test could not "
        f"tell a drop-in answer either: {control}")
    free = []
    for (path, answers), outcome in zip(plan[1:], outcomes[1:]):
        (name,) = answers
        assert set(outcome) == set(owned[name]), f"{lesson}: {name} = {label(path)}: tests run: {outcome}"
        passed = [test for test in owned[name] if outcome[test] is None]
        if passed:
            free.append(f"{name} = {label(path)} passes {', '.join(passed)}")
    assert not free, f"{lesson}: answers for free: " + "; ".join(free)
