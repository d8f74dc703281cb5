"""The checker inside a graded kernel (dlcourse/sandbox/checker/) and the grader's line to it.

tests/hostile_tricks.py attacks it with whole submissions through the grading pipeline;
these tests pin down its parts: the tagged line, the secret's short life, how a test
cell's output, errors and time limit come back.
"""

import ast
import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from dlcourse.sandbox import channel, guard

from .test_sandbox import code, errors, run, text

CHECKER = Path(guard.__file__).with_name("checker")


def test_the_checker_files_share_no_top_level_name():
    """They run in one namespace (guard.arm): a name defined twice would silently replace the other."""
    owners = {}
    for name in guard.CHECKER_FILES:
        for node in ast.parse((CHECKER / name).read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined = [node.name]
            elif isinstance(node, ast.Assign):
                defined = [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            else:
                continue
            for top in defined:
                assert owners.setdefault(top, name) == name, f"{top} is defined in {owners[top]} and {name}"
    assert sorted(p.name for p in CHECKER.glob("*.py")) == sorted(guard.CHECKER_FILES)


def _serve_once(path, reply):
    """A stand-in for the checker that answers one connection with `reply` (bytes after the length)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def answer():
        conn, _ = server.accept()
        with conn:
            conn.recv(1 << 20)
            conn.sendall(len(reply).to_bytes(4, "big") + reply)
        server.close()
    threading.Thread(target=answer, daemon=True).start()


def test_a_reply_without_the_checkers_tag_is_not_believed():
    import marshal
    with tempfile.TemporaryDirectory(prefix="dlcourse-") as folder:
        key = channel.new_key()
        forged = marshal.dumps({"nonce": b"", "result": {"outputs": [], "error": None, "before": [], "during": []}})
        _serve_once(Path(folder, "checker.sock"), bytes(32) + forged)
        with pytest.raises(channel.CheckerUnreachable, match="tag"):
            channel.ask(folder, key, {"op": "ping"}, timeout=5)


def test_a_reply_to_another_request_is_not_believed():
    """Even tagged with the right key, a reply must answer this request (its nonce): no replays."""
    import marshal
    from hashlib import blake2b
    with tempfile.TemporaryDirectory(prefix="dlcourse-") as folder:
        key = channel.new_key()
        body = marshal.dumps({"nonce": b"an old request", "result": {"ok": True}})
        _serve_once(Path(folder, "checker.sock"), blake2b(body, key=key, digest_size=32).digest() + body)
        with pytest.raises(channel.CheckerUnreachable, match="another request"):
            channel.ask(folder, key, {"op": "ping"}, timeout=5)


def test_no_checker_means_no_points(tmp_path):
    with pytest.raises(channel.CheckerUnreachable):
        channel.ask(tmp_path, channel.new_key(), {"op": "ping"}, timeout=2)


def test_the_secret_is_gone_before_student_code_runs(tmp_path):
    nb, report = run([
        code("import os\nprint(sorted(os.listdir('..')))\nprint(sorted(k for k in os.environ if 'CHECKER' in k))"),
        code('"""the checker still runs tests"""\nassert 1 + 1 == 2', "test_sum"),
    ], tmp_path)
    listing = text(nb.cells[0])
    assert "checker.key" not in listing and "checker.sock" in listing
    assert "[]" in listing.splitlines()[1], "the checker's variables must be gone from the environment"
    assert errors(nb.cells[1]) == []


def test_a_test_cells_output_and_errors_come_back_as_nbgrader_scores_them(tmp_path):
    nb, report = run([
        code("import numpy as np\ndef f(x):\n    print('f says hi')\n    return 2 * x"),
        code('"""prints, then fails"""\nprint("checking")\nassert f(1) == 3, "f(1) should be 3"', "test_fails"),
        code('"""passes but warns on stderr"""\nimport sys\nprint("careful", file=sys.stderr)\nassert f(1) == 2',
             "test_warns"),
        code('"""passes quietly"""\nassert f(2) == 4\n_seen = f(5)', "test_passes"),
        code("print(_seen)"),
    ], tmp_path)
    failing = nb.cells[1]
    assert text(failing) == "checking\nf says hi\n"
    assert [(o.ename, o.evalue) for o in failing.outputs if o.output_type == "error"] == [
        ("AssertionError", "f(1) should be 3")]
    # Each stream keeps its order; between the two only roughly, as with Jupyter's own streams.
    assert sorted(o.name for o in nb.cells[2].outputs) == ["stderr", "stdout"], "stderr output makes nbgrader fail it"
    assert errors(nb.cells[3]) == [] and text(nb.cells[3]) == "f says hi\nf says hi\n"
    assert text(nb.cells[4]).strip() == "10", "names a test binds reach the notebook, as after any cell"
    assert [f for f in report["findings"] if f["kind"] != "suspicious code"] == []


def test_a_test_that_runs_too_long_is_stopped_and_the_rest_still_count(tmp_path):
    nb, report = run([
        code("x = 41\ndef slow():\n    while True:\n        try:\n            pass\n        except BaseException:\n"
             "            pass"),
        code('"""never ends"""\nslow()', "test_slow"),
        code('"""after the restart"""\nassert x + 1 == 42', "test_after"),
    ], tmp_path, timeout=3)
    assert errors(nb.cells[1]) == ["CellTimeoutError"]
    assert errors(nb.cells[2]) == [], "earlier cells must be replayed in the restarted kernel"
    assert any(f["kind"] == "time limit" for f in report["findings"])


def test_student_code_cannot_reach_the_interpreters_insides(tmp_path):
    """Refused outside tests too, and reported: what would lead to the checker's own objects."""
    nb, report = run([
        code("import gc\ngc.get_objects()"),
        code("import sys\nsys._current_frames()"),
        code("import sys\nsys.addaudithook(lambda *a: None)\nprint('not added')"),
        code("import numpy as np\nnp.allclose._implementation.__defaults__ = (1.0, 1.0, True)"),
        code('"""numpy keeps its tolerance"""\nassert not np.allclose(1, 2)', "test_tolerance"),
    ], tmp_path)
    assert errors(nb.cells[0]) == ["RuntimeError"] and errors(nb.cells[1]) == ["RuntimeError"]
    assert text(nb.cells[2]).strip() == "not added"  # Python drops a refused hook silently
    assert errors(nb.cells[3]) == ["RuntimeError"]
    assert "Tampering" in errors(nb.cells[4])
    refused = " ".join(f["detail"] for f in report["findings"])
    for what in ("gc.get_objects", "sys._current_frames", "sys.addaudithook", "__defaults__"):
        assert what in refused, f"{what} was not reported: {refused}"


def test_the_key_file_is_readable_by_its_owner_only():
    with tempfile.TemporaryDirectory() as folder:
        path = channel.write_key(folder, channel.new_key())
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_a_student_function_that_rewrites_the_tests_own_names_fails_it(tmp_path):
    """A test may hand student code a function of its own (a gradient to check, say), whose
    __globals__ is the test's namespace."""
    nb, report = run([
        code("import numpy as np\nclass _Yes:\n    def __getattr__(self, name):\n        return lambda *a, **k: True\n"
             "def check(f):\n    f.__globals__['np'] = _Yes()\n    f.__globals__['all'] = lambda x: True\n    return 0"),
        code('"""uses a helper"""\nassert check(lambda x: x) == 0 and np.allclose(1, 2) and all([False])', "test_rewrite"),
    ], tmp_path)
    assert errors(nb.cells[1]) == ["Tampering"], "the rewritten names made the asserts pass: caught afterwards"
    details = " ".join(f["detail"] for f in report["findings"])
    assert "'np' was rebound" in details and "'all' was shadowed" in details


def answer(source, grade_id):
    cell = code(source)
    cell.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": grade_id,
                                 "schema_version": 3}
    return cell


def test_answers_that_use_the_courses_own_code_are_flagged(tmp_path):
    nb, report = run([
        code("import numpy as np\nfrom utils import toy"),
        answer("from utils.data import load_mnist\ndef f(x):\n    return x", "f"),
        answer("def g(x):\n    \"\"\"Not toy.make_xor: a docstring may name anything.\"\"\"\n    return x", "g"),
        answer("def h(x):\n    return toy.logic_gate('AND')[0] + 0 * x", "h"),
    ], tmp_path)
    flagged = {f["grade_id"]: f["detail"] for f in report["findings"] if f["kind"] == "imports course helpers"}
    assert set(flagged) == {"f", "h"}, flagged
    assert "from utils" in flagged["f"] and "toy.logic_gate" in flagged["h"]
