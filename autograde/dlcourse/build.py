"""Generate the student versions (lessons/) from the instructor sources (solutions/).

nbgrader's generate_assignment does the work, in a throw-away course folder,
so building never touches an instructor's gradebook. The output is
deterministic: building twice gives byte-identical files, which is what lets
a test fail when lessons/ drifts from solutions/.
"""

import filecmp
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import notebooks
from .course import api_call, make_course, nbgrader_api
from .paths import LESSONS_DIR, SOLUTIONS_DIR, lesson_ids, lesson_notebook


class LeakError(RuntimeError):
    """A generated student file holds solution code or a hidden test."""


@dataclass
class BuildReport:
    """What a build changed (or, when checking, would change)."""
    changed: list = field(default_factory=list)  # relative paths that differ or are new
    removed: list = field(default_factory=list)  # relative paths with no source any more

    @property
    def clean(self):
        return not (self.changed or self.removed)


def _files(folder):
    folder = Path(folder)
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()


def _compare(generated, current, prefix, report):
    new, old = _files(generated), _files(current)
    for rel in sorted(new):
        if rel not in old or not filecmp.cmp(Path(generated) / rel, Path(current) / rel, shallow=False):
            report.changed.append(f"{prefix}/{rel}")
    report.removed += [f"{prefix}/{rel}" for rel in sorted(old - new)]


def check_no_leaks(lesson_id, release_dir, source_dir=SOLUTIONS_DIR):
    """Raise LeakError if a student file of the lesson holds a marker or a line of a solution or hidden test."""
    problems = []
    for path in sorted(Path(release_dir, lesson_id).rglob("*")):
        if path.is_file():
            problems += [f"{path.name}:{n}: {text}" for n, text in notebooks.leaks(path)]
    student_nb = lesson_notebook(lesson_id, release_dir)
    if student_nb.exists():
        source = notebooks.read(lesson_notebook(lesson_id, source_dir))
        problems += [f"{student_nb.name}: {line}" for line in notebooks.leaked_lines(source, notebooks.read(student_nb))]
    if problems:
        raise LeakError(f"{lesson_id}: the student version leaks solutions or hidden tests:\n  " + "\n  ".join(problems))


def generate(lessons, release_dir, source_dir=SOLUTIONS_DIR):
    """Run generate_assignment for each lesson, writing the student versions under release_dir."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-build-") as tmp:
        course = make_course(Path(tmp) / "course", source_dir=source_dir, release_dir=release_dir,
                             exchange_dir=Path(tmp) / "exchange")
        api = nbgrader_api(course)  # one nbgrader for every lesson, not one process each
        for lesson in lessons:
            api_call(api.generate_assignment(lesson, force=True, create=True), f"generate_assignment {lesson}")
            check_no_leaks(lesson, release_dir, source_dir)


def build(lessons=None, *, check=False, lessons_dir=LESSONS_DIR, source_dir=SOLUTIONS_DIR):
    """Regenerate lessons_dir from source_dir; with check=True only report what would change.

    lessons: ids to build (default: every lesson). Returns a BuildReport.
    """
    all_lessons = lesson_ids(source_dir)
    if not all_lessons:  # a student's copy has no sources: never take that for "every lesson is stale"
        raise ValueError(f"no lesson sources in {source_dir}: nothing to build from (a student's copy "
                         "of the course has none)")
    lessons = list(lessons or all_lessons)
    unknown = sorted(set(lessons) - set(all_lessons))
    if unknown:
        raise ValueError(f"no such lesson in {source_dir}: {', '.join(unknown)} (known: {', '.join(all_lessons)})")
    lessons_dir = Path(lessons_dir)
    report = BuildReport()
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        generate(lessons, tmp, source_dir)
        for lesson in lessons:
            _compare(Path(tmp) / lesson, lessons_dir / lesson, lesson, report)
            if not check:
                shutil.rmtree(lessons_dir / lesson, ignore_errors=True)
                shutil.copytree(Path(tmp) / lesson, lessons_dir / lesson)
    # Student folders whose source is gone are stale (only when building everything).
    if set(lessons) == set(all_lessons) and lessons_dir.is_dir():
        for stale in sorted(p for p in lessons_dir.iterdir() if p.is_dir() and p.name not in all_lessons):
            report.removed += [f"{stale.name}/{rel}" for rel in sorted(_files(stale))]
            if not check:
                shutil.rmtree(stale)
    return report


def unnormalized_sources(source_dir=SOLUTIONS_DIR, lessons=None):
    """Source notebooks that are not in canonical form (outputs, stray metadata, unstable ids)."""
    bad = []
    for lesson in lessons or lesson_ids(source_dir):
        path = lesson_notebook(lesson, source_dir)
        before = path.read_bytes()
        nb = notebooks.normalize_source(notebooks.read(path))
        with tempfile.TemporaryDirectory() as tmp:
            notebooks.write(nb, Path(tmp) / "nb.ipynb")
            if (Path(tmp) / "nb.ipynb").read_bytes() != before:
                bad.append(path)
    return bad


def normalize_sources(source_dir=SOLUTIONS_DIR, lessons=None):
    """Rewrite the source notebooks (default: all) in canonical form; returns the paths changed."""
    changed = unnormalized_sources(source_dir, lessons)
    for path in changed:
        notebooks.write(notebooks.normalize_source(notebooks.read(path)), path)
    return changed
