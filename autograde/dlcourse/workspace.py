"""The student's own copies of the lessons (work/), so updates to lessons/ never touch their answers."""

import shutil
from pathlib import Path

from .paths import LESSONS_DIR, REPO_ROOT, lesson_ids

WORK_DIR = REPO_ROOT / "work"


def ensure_workspace(work_dir=WORK_DIR, lessons_dir=LESSONS_DIR):
    """Copy each lesson that work_dir does not have yet; never overwrite. Returns the ids copied."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for lesson in lesson_ids(lessons_dir):
        target = work_dir / lesson
        if not target.exists():
            shutil.copytree(Path(lessons_dir) / lesson, target)
            copied.append(lesson)
    return copied
