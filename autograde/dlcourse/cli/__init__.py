"""The `dlcourse` command: the course's nbgrader workflow with safe defaults, for two audiences.

Student commands (cli/student.py): a student's own notebooks in work/, against the released lessons/.
They need no course folder and load nothing of the grader (grading, sandbox, statistics, exports,
deadlines, nbgrader's autograde).

    dlcourse check NOTEBOOK ...             restart, run all, run the visible tests; exit 1 on failure
    dlcourse update NOTEBOOK | --all        take a corrected lesson into your notebook, keeping your answers
    dlcourse repair NOTEBOOK [--write]      repair a notebook whose cells were split, merged, copied, ...
    dlcourse workspace                      copy new lessons into work/ (yours)
    dlcourse lessons                        list the lessons

Instructor commands (cli/instructor.py): the sources in solutions/, lessons/, and a course folder
(--course DIR; default: course/, configured by autograde/).

    dlcourse init DIR                       a new course folder for one class
    dlcourse build [LESSON ...] [--check]   regenerate lessons/ from solutions/
    dlcourse grade LESSON [--student ID]    autograde submissions in the course folder
    dlcourse grade LESSON --only-new        ... only those new or changed since graded by the current tests
    dlcourse feedback LESSON                HTML feedback that never shows hidden tests
    dlcourse export [--to grades.csv]       every student's scores as CSV (--layout canvas|moodle for an LMS)
    dlcourse stats LESSON                   the class's results: score distribution, failing tests, messages
    dlcourse student-bundle DIR             what students receive: no solutions, hidden tests or course state

Exit codes: 0 done; 1 a command's own failure (a failing check, lessons/ out of date, an error
it explains on stderr); 2 a usage error, a file that is no notebook (`check`), or no isolation
for grading (`grade`).
"""

import argparse
import os
import sys
import textwrap

from ..course import NbgraderError
from ..paths import CourseNotFound, require_root
from . import instructor, student

GROUPS = (
    ("student commands (your notebooks in work/)", student),
    ("instructor commands (solutions/, lessons/ and a course folder)", instructor),
)


def parser():
    p = argparse.ArgumentParser(prog="dlcourse", usage="%(prog)s [-h] COMMAND ...",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", help=argparse.SUPPRESS)
    listing = []
    for title, group in GROUPS:
        before = set(sub.choices)
        group.add_commands(sub)
        listing.append(f"{title}:")
        listing += [textwrap.fill(sub.choices[name].description, 100, initial_indent=f"  {name:<16}",
                                  subsequent_indent=" " * 18) for name in sub.choices if name not in before]
        listing.append("")
    p.epilog = "\n".join(listing) + "Run `dlcourse COMMAND --help` for a command's options."
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        require_root()  # every command works on a course: its lessons/, and for instructors its sources
        return args.func(args)
    except (NbgraderError, ValueError, CourseNotFound) as err:
        print(f"dlcourse: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `dlcourse lessons | head`: the reader left; stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit fails too
        return 1
