"""dlcourse: the course's tools, for students and for instructors (see dlcourse/cli/).

Students: `dlcourse check`, `update`, `repair`, `workspace` and `lessons` work on their own
notebooks against the released lessons/. Instructors: `dlcourse build` turns the sources in
solutions/ into the student versions in lessons/; `dlcourse grade`, `feedback`, `export` and
`stats` run nbgrader's autograde, generate_feedback and export on a course folder with safe
settings. See README.md ("For instructors") for the whole workflow.
"""

__version__ = "0.1.0"
