"""Autograde many submissions at once, one nbgrader worker process per core.

Each worker is a long-lived process that calls nbgrader's own API
(NbGraderAPI.autograde) for one student at a time, so the course folder,
its configuration and the gradebook stay exactly nbgrader's. The gradebook
is SQLite: writers wait for each other (a busy timeout in the database URL,
see settings.gradebook_url), and a submission whose grading still hits a
locked database is graded again.
"""

import multiprocessing
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from .course import nbgrader_api

# Numerical libraries use one thread per kernel while grading: the workers
# already fill the cores, and one thread makes floating-point sums identical
# from run to run.
SINGLE_THREAD = {name: "1" for name in (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}

LOCKED_RETRIES = 3

_api = None


@dataclass
class Outcome:
    """What nbgrader said about one submission."""
    student: str
    success: bool
    log: str
    error: str
    seconds: float


def default_workers():
    return max(1, os.cpu_count() or 1)


def _start_worker(course, environment):
    """Runs once in each worker process: take the caller's environment as it is now (the fork
    server kept the one it started with), enter the course and load its nbgrader config."""
    global _api
    os.environ.clear()
    os.environ.update(environment)
    # nbgrader 0.9 triggers harmless SQLAlchemy 2 warnings on every submission.
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    os.environ.update(SINGLE_THREAD)
    os.chdir(course)
    _api = nbgrader_api(course)


def _autograde_one(lesson, student):
    start = time.perf_counter()
    for _attempt in range(LOCKED_RETRIES):
        result = _api.autograde(lesson, student, force=True, create=True)
        text = (result.get("log") or "") + (result.get("error") or "")
        if result.get("success") or "database is locked" not in text:
            break
    return Outcome(student, bool(result.get("success")), result.get("log") or "",
                   result.get("error") or "", time.perf_counter() - start)


def _worker_context():
    """Workers forked from a fork server: a clean single-threaded process that has imported
    nbgrader once, so a pool starts in a fraction of a second instead of importing nbgrader
    in every worker (seconds each), yet inherits no locks, threads or open gradebook of ours."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dlcourse.parallel", "nbgrader.apps.api", "nbgrader.preprocessors"])
    return context


def worker_pool(course, workers):
    """A pool of grading workers in `course`, each with this process's environment as it is now."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(),
                               initializer=_start_worker, initargs=(str(course), dict(os.environ)))


def autograde(course, lesson, students, workers=None, on_done=None):
    """Autograde each student's submission of `lesson`; returns {student: Outcome}.

    on_done(outcome, finished, total) is called as each submission finishes.
    """
    workers = max(1, min(workers or default_workers(), len(students) or 1))
    outcomes = {}
    with worker_pool(course, workers) as pool:
        futures = {pool.submit(_autograde_one, lesson, s): s for s in students}
        for future in as_completed(futures):
            student = futures[future]
            try:
                outcome = future.result()
            except Exception as err:  # the worker itself died; never lose the others
                outcome = Outcome(student, False, "", f"{type(err).__name__}: {err}", 0.0)
            outcomes[student] = outcome
            if on_done:
                on_done(outcome, len(outcomes), len(students))
    return outcomes
