"""Naming the known mistake behind a failing hidden test (utils.diagnosis), inside the checker.

Part of the in-kernel checker (see records.py for how these files are loaded).
When a test cell raised, run_test asks the GENUINE utils.diagnosis (the functions
records.py recorded at kernel start, whatever the notebook rebound since) which
catalogued mistake the graded functions named in the cell behave like. It does so
while the test's output capture, its collector switch and the checks after it are
still around: student code that the probes run is checked like the test's own, and
a change it makes fails the test as tampering.

The probes get a share of the time the cell's limit leaves after the test, never more
than DIAGNOSIS_SECONDS. The engine stops starting probes when that budget is spent;
a probe that never returns keeps the cell past its limit, and the grader then stops
it like any test that runs too long: it costs that cell, which had failed already.

The student's inputs cannot change what the probes are: the lesson's probes were
copied (before any student code ran) when the kernel started, and each diagnosis
gets a fresh copy of them and fingerprints read again from their file. Student code
can still make its own functions behave like something else on the probes; that
changes only its own diagnosis, never a score.

Anything unexpected (a lesson without utils.diagnosis, an engine that raises, a
result of the wrong type): no diagnosis, and the test's error as it was.
"""

DIAGNOSIS_SECONDS = 3.0  # the most a diagnosis may spend probing, after one failing test
DIAGNOSIS_SHARE = 0.25  # of the time the cell's limit leaves after the test
DIAGNOSIS_MIN_SECONDS = 0.05  # less left than this: no diagnosis
MAX_DIAGNOSES = 20
MAX_DIAGNOSIS_TEXT = 4000  # characters of diagnosis appended to an error message
DIAGNOSIS_PACKAGE = "utils.diagnosis"
PROBE_MODULES = DIAGNOSIS_PACKAGE + ".probes."

_probe_copies = {}  # probe module name -> its PROBES as they were at kernel start (a private deep copy)


def keep_probes():
    """At kernel start (before student code): a private copy of the PROBES of every probe module preloaded."""
    deepcopy = genuine("copy", "deepcopy")
    for name, module in list(_dict_items(_sys_modules)):
        if type(name) is not str or not name.startswith(PROBE_MODULES) or type(module) is not _ModuleType:
            continue
        probes = _dict_get(module.__dict__, "PROBES")
        if type(probes) is dict:
            try:
                _probe_copies[name] = (module, deepcopy(probes))
            except Exception:  # probes that cannot be copied: the module's own are used
                pass


def _fresh_engine(engine):
    """Put the probes back as they were at kernel start, and make the engine read its fingerprints again."""
    deepcopy = genuine("copy", "deepcopy")
    for name, (module, probes) in _dict_items(_probe_copies):
        _dict_set(module.__dict__, "PROBES", deepcopy(probes))
    _dict_set(engine.__dict__, "_cache", {})  # the engine's cache of (probes, fingerprints) per lesson


def diagnose_failure(ask, source, namespace, seconds):
    """(the lines a student reads, [(function, why)]) for a test cell that raised; ("", []) for none.

    ask: the grader's {"lesson": lesson id, "limit": the cell's time limit in seconds}, or None.
    """
    if type(ask) is not dict:
        return "", []
    lesson, limit = _dict_get(ask, "lesson"), _dict_get(ask, "limit")
    if type(lesson) is not str or type(limit) not in (int, float):
        return "", []
    budget = min(DIAGNOSIS_SECONDS, (limit - seconds) * DIAGNOSIS_SHARE)
    if budget < DIAGNOSIS_MIN_SECONDS:
        return "", []
    engine = genuine(DIAGNOSIS_PACKAGE)
    diagnose_cell = genuine(DIAGNOSIS_PACKAGE, "diagnose_cell")
    explain = genuine(DIAGNOSIS_PACKAGE, "explain")
    diagnosis_type = genuine(DIAGNOSIS_PACKAGE + ".match", "Diagnosis")
    if _missing in (engine, diagnose_cell, explain, diagnosis_type) or _dict_get(_modules, DIAGNOSIS_PACKAGE) is None:
        return "", []  # the lesson does not use utils.diagnosis (it was not loaded before student code)
    try:
        _fresh_engine(engine)
        found = diagnose_cell(lesson, source, namespace, budget)
        if type(found) is not list:
            return "", []
        pairs = []
        for diagnosis in found[:MAX_DIAGNOSES]:
            if type(diagnosis) is not diagnosis_type:
                return "", []
            function, why = diagnosis.function, diagnosis.why
            if type(function) is not str or type(why) is not str:
                return "", []
            pairs.append((function, why))
        text = explain(found[:MAX_DIAGNOSES])
        if type(text) is not str:
            return "", []
        return _str_slice(text, slice(0, MAX_DIAGNOSIS_TEXT)), pairs
    except BaseException:  # noqa: B036 - a diagnosis that fails leaves the test's error as it was
        return "", []
