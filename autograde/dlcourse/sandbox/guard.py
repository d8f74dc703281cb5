"""Arms the checker inside a graded kernel, before any student code runs.

The grader starts every kernel with `arm()` as its first line
(`--IPKernelApp.exec_lines`). `arm` reads the secret key the grader left in the
kernel's private folder and deletes it, then executes the checker's files
(checker/*.py, listed in CHECKER_FILES) into a namespace of their own, with a
private copy of the builtins. Nothing reachable from the notebook refers to
that namespace: the checker runs in a thread started with `_thread` (invisible
to `threading`), its audit hook cannot be listed or removed, and it keeps the
key. From then on the grader sends each hidden test to the checker over its
socket (checker/server.py) and trusts only replies tagged with the key.

What the checker defends, and how, is described in checker/*.py and in the
README's "Grading safely".
"""

import builtins
import os
from pathlib import Path

CHECKER_FILES = ("records.py", "array_types.py", "shell_hooks.py", "audit.py", "diagnose.py", "runner.py", "server.py")
FOLDER_VARIABLE = "DLCOURSE_CHECKER_DIR"  # the kernel's private folder: key in, socket out
PRELOAD_VARIABLE = "DLCOURSE_CHECKER_PRELOAD"  # modules the lesson imports, comma-separated
KEY_FILE = "checker.key"
SOCKET_FILE = "checker.sock"


def arm():
    folder = os.environ.pop(FOLDER_VARIABLE, None)
    if not folder:
        raise RuntimeError(f"{FOLDER_VARIABLE} is not set: this kernel was not started by the grader")
    key_path = Path(folder, KEY_FILE)
    key = key_path.read_bytes()
    key_path.unlink()
    preload = os.environ.pop(PRELOAD_VARIABLE, "").split(",")
    here = Path(__file__).resolve().parent
    roots = [str(here.parent), str(Path(__import__("utils").__file__).resolve().parent)]
    namespace = {"__builtins__": dict(vars(builtins)), "__name__": "dlcourse_checker"}
    for name in CHECKER_FILES:
        path = here / "checker" / name
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    namespace["start"](folder, key, preload, roots)
    del namespace, key
