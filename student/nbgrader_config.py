# Validate's settings (the Validate button in JupyterLab, and `nbgrader validate`): the course's
# time limit per cell and kernel arguments (tracebacks that quote no code), as the grader uses.
# `make env` copies this file into .venv/etc/jupyter, so Validate finds it wherever JupyterLab runs.
from dlcourse.bundle import configure_validate

configure_validate(get_config())
