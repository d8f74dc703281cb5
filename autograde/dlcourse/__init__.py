"""dlcourse: the instructor's tools for the deep-learning course.

`dlcourse build` turns the instructor sources in solutions/ into the student
versions in lessons/; `dlcourse grade`, `feedback` and `export` run nbgrader's
autograde, generate_feedback and export on a course folder with safe settings.
See README.md ("For instructors") for the whole workflow.
"""

__version__ = "0.1.0"
