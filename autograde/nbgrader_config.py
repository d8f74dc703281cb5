# The instructor's nbgrader course: this folder holds the gradebook and the
# students' submissions; the sources are ../solutions and the student versions
# ../lessons. All settings are in dlcourse/settings.py.
import os

from dlcourse.settings import configure

configure(get_config(), os.path.dirname(os.path.abspath(__file__)))
