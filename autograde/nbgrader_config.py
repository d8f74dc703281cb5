# The instructor's nbgrader course. This folder holds code only (this file and the dlcourse
# package); the course's state (gradebook, submissions, grades, feedback, exports) lives in
# ../course/, git-ignored. The sources are ../solutions, the student versions ../lessons.
# All settings are in dlcourse/settings.py.
from dlcourse.paths import COURSE_DIR
from dlcourse.settings import configure

configure(get_config(), COURSE_DIR)
