# Lets `jupyter lab` (Formgrader, Validate, Assignment List) and `nbgrader` started in the
# repository root find the course: its config in autograde/, its state in course/.
# DLCOURSE_COURSE_DIR names another course folder instead; only the browser tests
# set it, to grade in a throw-away course inside the repository (tests/artifacts/),
# since the Formgrader needs the course under the folder JupyterLab serves.
import os

load_subconfig(os.path.join(os.environ.get("DLCOURSE_COURSE_DIR") or "autograde", "nbgrader_config.py"))
