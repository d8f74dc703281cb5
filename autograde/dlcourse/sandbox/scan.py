"""Reading student code before it runs: what is worth an instructor's look.

Nothing here changes a score. "suspicious code" notes go to the grading report
only; an answer that takes something from the course's own packages (utils, the
grader) is flagged for review: those modules hold no graded function's job
(tests/test_no_free_answers.py), but an answer that leans on them is worth a look.

An exercise the lesson marks numpy-only (the cell tag `numpy-only` in the
source, e.g. lesson 10's convolution) is checked against an allow-list: its answer may
name numpy, the lesson's other answers, its own variables and plain builtins, and
nothing that leads elsewhere. Its tests already fail an answer that calls PyTorch
(utils.torch_helpers.torch_calls); this flags one that tries to hide the call.
"""

import ast
import builtins
import io
import re
import tokenize

from nbgrader import utils as nbutils

from ..records import Finding, Kind

# Student code worth a human look even when it did no harm.
SUSPICIOUS = [
    (r"\bos\._exit\b|\bsys\.exit\b", "exits the kernel"),
    (r"\bctypes\b|\bfaulthandler\b", "uses ctypes or faulthandler"),
    (r"\bsignal\.signal\b", "changes signal handling"),
    (r"\bsys\.(modules|meta_path|path_hooks|path_importer_cache)\b", "touches the import system"),
    (r"\bsys\.(settrace|setprofile|_getframe|_current_frames|addaudithook)\b|\bthreading\.(settrace|setprofile)\b",
     "traces or inspects the interpreter"),
    (r"\binspect\.(currentframe|stack|getouterframes)\b|\bf_(back|globals|locals|code)\b|\b(tb|gi|cr)_frame\b",
     "reaches into call frames"),
    (r"__(code|globals|closure|defaults|kwdefaults)__|\bcell_contents\b", "rewrites functions"),
    (r"\bgc\.get_(objects|referrers|referents)\b", "walks the garbage collector"),
    (r"\b(np|numpy)(\.testing)?\.\w+\s*=[^=]", "assigns to a numpy function"),
    (r"setattr\(\s*(np|numpy|builtins|sys)\b", "patches a module with setattr"),
    (r"\bbuiltins\b|__builtins__|__import__", "touches builtins"),
    (r"\bget_ipython\b|\bIPython\.(core|terminal|utils|get_ipython)\b|\bipykernel\b|showtraceback|InteractiveShell",
     "uses IPython's machinery"),
    (r"\bthreading\b|\b_thread\b|\basyncio\b", "starts threads or tasks"),
    (r"\bdlcourse\b", "touches the grader"),
    (r"\bsubprocess\b|\bos\.system\b|\bos\.fork\b|\bmultiprocessing\b", "starts processes"),
    (r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b", "uses the network"),
]

# Looked for in the whole source, strings included (paths are strings).
SUSPICIOUS_TEXT = [
    (r"checker\.(sock|key)|dlcourse-kernel-", "touches the grader"),
    (r"gradebook|submitted/|autograded/|solutions/|\.\./", "reads or writes course files"),
]

COURSE_PACKAGES = ("utils", "dlcourse")

# Builtins a numpy-only answer may name: none of them reaches a module, a frame or a name by its text.
UNSAFE_BUILTINS = {"__import__", "__build_class__", "__loader__", "__spec__", "breakpoint", "compile", "delattr",
                   "eval", "exec", "getattr", "globals", "help", "input", "locals", "open", "setattr", "vars",
                   "memoryview", "copyright", "credits", "license", "exit", "quit"}
SAFE_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_")) - UNSAFE_BUILTINS
# Attribute names that lead from numpy to the interpreter or to other libraries.
LEADS_ELSEWHERE = re.compile(r"^(_.*|sys|os|modules|builtins|importlib|torch|overrides|ctypes|ctypeslib|"
                             r"(f|tb|gi|cr|ag)_\w+)$")
NUMPY_MODULES = ("numpy", "math")
NUMPY_ONLY_TAG = "numpy-only"


def course_helper_names(aliases):
    """Names by which the lesson refers to the course's own packages ({name: (module, attribute)})."""
    return sorted(name for name, (module, _) in aliases.items() if module.split(".")[0] in COURSE_PACKAGES)


def scan_student_code(nb, aliases, lesson_nb=None) -> list[Finding]:
    """Findings for the student-written cells of `nb`: answer cells, and cells the lesson leaves
    unlocked unless they are exactly as the lesson (`lesson_nb`) has them."""
    packages = "|".join(COURSE_PACKAGES)
    imports = re.compile(rf"^\s*(from\s+({packages})\b|import\s+.*\b({packages})\b)|__import__\(\s*['\"]({packages})|"
                         rf"import_module\(\s*['\"]({packages})", re.MULTILINE)
    helpers = set(course_helper_names(aliases))
    numpy_only = numpy_only_answers(lesson_nb)
    numpy_names = {name for name, (module, _) in aliases.items() if module.split(".")[0] in NUMPY_MODULES}
    answer_names = {c.metadata.get("nbgrader", {}).get("grade_id") for c in (lesson_nb or nb).cells
                    if c.cell_type == "code" and nbutils.is_solution(c)}  # the lesson's, not the student's
    lesson_code = {c.source.strip() for c in (lesson_nb.cells if lesson_nb is not None else []) if c.cell_type == "code"}
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or nbutils.is_grade(cell) and not nbutils.is_solution(cell):
            continue
        if not (nbutils.is_solution(cell) or not nbutils.is_locked(cell)):
            continue
        if not nbutils.is_solution(cell) and cell.source.strip() in lesson_code:
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        code = code_only(cell.source)
        checks = [(pattern, what, code) for pattern, what in SUSPICIOUS]
        checks += [(pattern, what, cell.source) for pattern, what in SUSPICIOUS_TEXT]
        for pattern, what, text in checks:
            if re.search(pattern, text):
                found.append(Finding(Kind.SUSPICIOUS_CODE, what, index, grade_id))
        if nbutils.is_solution(cell):
            match = imports.search(cell.source)
            used = match.group(0).strip() if match else _helper_used(cell.source, helpers)
            if used:
                found.append(Finding(Kind.IMPORTS_HELPERS, f"the answer uses the course's own code: {used!r}",
                                     index, grade_id))
            if grade_id in numpy_only:
                outside = outside_numpy(cell.source, numpy_names | answer_names)
                if outside:
                    found.append(Finding(Kind.NOT_NUMPY_ONLY, f"{grade_id} is a numpy exercise; the answer reaches for "
                                         + ", ".join(repr(name) for name in outside), index, grade_id))
    return found


def numpy_only_answers(lesson_nb):
    """Grade ids of the answer cells the lesson (its source) tags `numpy-only`."""
    return {c.metadata.get("nbgrader", {}).get("grade_id") for c in (lesson_nb.cells if lesson_nb is not None else [])
            if c.cell_type == "code" and nbutils.is_solution(c) and NUMPY_ONLY_TAG in c.metadata.get("tags", ())}


def outside_numpy(source, allowed):
    """What a numpy-only answer names beyond `allowed` globals, its own variables and SAFE_BUILTINS:
    other globals, imports of anything but numpy and math, attributes that lead to the interpreter or
    other libraries (private or dunder names, sys, torch, frames), and strings that name torch."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # it fails its tests anyway
    bound, loaded, found = set(), [], []
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loaded.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                root = (module or alias.name).split(".")[0]
                if root not in NUMPY_MODULES:
                    found.append(f"import {module or alias.name}")
                bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Attribute) and LEADS_ELSEWHERE.match(node.attr):
            found.append(f".{node.attr}")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and "torch" in node.value.lower()
              and id(node) not in docstrings):
            found.append(f"the text {node.value!r}")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    for name in loaded:
        if name not in bound and name not in allowed and name not in SAFE_BUILTINS:
            found.append(name)
    return list(dict.fromkeys(found))


def code_only(source):
    """`source` with its strings and comments blanked out (a docstring may mention anything)."""
    lines = source.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    for token in reversed(tokens):
        if token.type not in (tokenize.STRING, tokenize.COMMENT):
            continue
        (row, col), (end_row, end_col) = token.start, token.end
        for r in range(row - 1, end_row):
            line = lines[r]
            start = col if r == row - 1 else 0
            stop = end_col if r == end_row - 1 else len(line.rstrip("\n"))
            lines[r] = line[:start] + " " * (stop - start) + line[stop:]
    return "".join(lines)


def _helper_used(source, helpers):
    """'name.attr' for the first use of one of the lesson's helper modules in code (not in text)."""
    tokens = _code_tokens(source)
    for (kind, text), (_, dot), (_, attr) in zip(tokens, tokens[1:], tokens[2:]):
        if kind == tokenize.NAME and text in helpers and dot == ".":
            return f"{text}.{attr}"
    return None


def _code_tokens(source):
    """(type, text) of the tokens of `source`, without strings and comments."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    skipped = (tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    return [(t.type, t.string) for t in tokens if t.type not in skipped]
