"""Grade many submissions at once, one nbgrader worker process per core.

Each worker is a long-lived process that calls nbgrader's own API
(NbGraderAPI.autograde) for one student at a time, so the course folder,
its configuration and the gradebook stay exactly nbgrader's. The workers get
the configuration the parent loaded (nbgrader_config.py runs once per grading
run, not once per worker or submission), and each returns the complete
GradeResult of its submission (results.py). The gradebook is SQLite: writers
wait for each other (a busy timeout in the database URL, see
settings.gradebook_url), and a submission whose grading still hits a locked
database is graded again.
"""

import multiprocessing
import os
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from . import results
from .course import LoadedCourse, nbgrader_api
from .records import GradeResult
from .results import Outcome
from .versions import Plan

# Numerical libraries use one thread per kernel while grading: the workers
# already fill the cores, and one thread makes floating-point sums identical
# from run to run.
SINGLE_THREAD = {name: "1" for name in (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}

LOCKED_RETRIES = 3

_api = None
_course = None

__all__ = ["Outcome", "autograde", "default_workers", "worker_pool"]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _start_worker(course, environment, config=None):
    """Runs once in each worker process: take the caller's environment as it is now (the fork
    server kept the one it started with), enter the course and take its nbgrader config (the
    parent's, else loaded from the course)."""
    global _api, _course
    os.environ.clear()
    os.environ.update(environment)
    # nbgrader 0.9 triggers harmless SQLAlchemy 2 warnings on every submission.
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    os.environ.update(SINGLE_THREAD)
    os.chdir(course)
    _api = nbgrader_api(course, config)
    _course = LoadedCourse(Path(course), _api.config)


def _autograde_one(lesson, student) -> Outcome:
    start = time.perf_counter()
    for _attempt in range(LOCKED_RETRIES):
        result = _api.autograde(lesson, student, force=True, create=True)
        text = (result.get("log") or "") + (result.get("error") or "")
        if result.get("success") or "database is locked" not in text:
            break
    return Outcome(student, bool(result.get("success")), result.get("log") or "",
                   result.get("error") or "", time.perf_counter() - start)


def _grade_one(lesson, student, version, submission_sha256) -> GradeResult:
    """Autograde one submission and return its complete result."""
    return results.complete(_course, lesson, _autograde_one(lesson, student), version, submission_sha256)


def _worker_context():
    """Workers forked from a fork server: a clean single-threaded process that has imported
    nbgrader once, so a pool starts in a fraction of a second instead of importing nbgrader
    in every worker (seconds each), yet inherits no locks, threads or open gradebook of ours."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dlcourse.parallel", "nbgrader.apps.api", "nbgrader.preprocessors"])
    return context


def worker_pool(course, workers: int, config=None) -> ProcessPoolExecutor:
    """A pool of grading workers in `course`, each with this process's environment as it is now
    and `config` (the course's configuration, loaded once by the caller; None: each worker loads it)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(),
                               initializer=_start_worker, initargs=(str(course), dict(os.environ), config))


def autograde(course: LoadedCourse, lesson: str, plan: Plan, workers: int | None = None,
              on_done: Callable[[GradeResult, int, int], None] | None = None) -> dict[str, GradeResult]:
    """Grade each submission the plan chose; returns {student: GradeResult}, each complete
    (results.complete), the repair's notes included.

    on_done(result, finished, total) is called as each submission finishes.
    """
    students = plan.grade
    workers = max(1, min(workers or default_workers(), len(students) or 1))
    done = {}
    with worker_pool(course.root, workers, course.config) as pool:
        futures = {pool.submit(_grade_one, lesson, s, plan.version, plan.hashes[s]): s for s in students}
        for future in as_completed(futures):
            student = futures[future]
            try:
                result = future.result()
            except Exception as err:  # the worker itself died; never lose the others
                result = results.complete(course, lesson, Outcome(student, False, "", f"{type(err).__name__}: {err}", 0.0))
            done[student] = result
            if on_done:
                on_done(result, len(done), len(students))
    return done
