"""Reading student code before it runs: what is worth an instructor's look.

Nothing here changes a score. "suspicious code" notes go to the grading report
only; an answer that takes something from the course's own packages (utils, the
grader) is flagged for review: those modules hold no graded function's job
(tests/test_no_free_answers.py), but an answer that leans on them is worth a look.
"""

import io
import re
import tokenize

from nbgrader import utils as nbutils

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


def course_helper_names(aliases):
    """Names by which the lesson refers to the course's own packages ({name: (module, attribute)})."""
    return sorted(name for name, (module, _) in aliases.items() if module.split(".")[0] in COURSE_PACKAGES)


def scan_student_code(nb, aliases, lesson_nb=None):
    """Findings for the student-written cells of `nb`: answer cells, and cells the lesson leaves
    unlocked unless they are exactly as the lesson (`lesson_nb`) has them."""
    packages = "|".join(COURSE_PACKAGES)
    imports = re.compile(rf"^\s*(from\s+({packages})\b|import\s+.*\b({packages})\b)|__import__\(\s*['\"]({packages})|"
                         rf"import_module\(\s*['\"]({packages})", re.MULTILINE)
    helpers = set(course_helper_names(aliases))
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
                found.append({"cell": index, "grade_id": grade_id, "kind": "suspicious code", "detail": what})
        if nbutils.is_solution(cell):
            match = imports.search(cell.source)
            used = match.group(0).strip() if match else _helper_used(cell.source, helpers)
            if used:
                found.append({"cell": index, "grade_id": grade_id, "kind": "imports course helpers",
                              "detail": f"the answer uses the course's own code: {used!r}"})
    return found


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
