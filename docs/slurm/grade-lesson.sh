#!/bin/bash
# Grade one lesson's class on a Slurm cluster (docs/grading-at-scale.md): three jobs, each
# starting when the one before it succeeded.
#
#   1. dlcourse grade LESSON --prepare          once: student version, tests, roster, deadlines
#   2. grade-shard.sbatch as an array 0..N-1    the shards, at once
#   3. dlcourse grade LESSON --summary; dlcourse export
#
#   COURSE=/shared/course DLCOURSE_DB_URL=postgresql+psycopg2://grader@db/gradebook \
#       docs/slurm/grade-lesson.sh 07-softmax-mnist 16
set -euo pipefail

lesson=${1:?usage: grade-lesson.sh LESSON SHARDS}
shards=${2:?usage: grade-lesson.sh LESSON SHARDS}
: "${COURSE:?set COURSE, the course folder on the shared file system}"
: "${DLCOURSE_DB_URL:?set DLCOURSE_DB_URL, the PostgreSQL gradebook}"
DLCOURSE=${DLCOURSE:-dlcourse}
here=$(cd "$(dirname "$0")" && pwd)
export LESSON=$lesson SHARDS=$shards COURSE DLCOURSE_DB_URL DLCOURSE

q() { printf '%q ' "$@"; }

prepare=$(sbatch --parsable --job-name=dlcourse-prepare --output="dlcourse-prepare-%j.out" --export=ALL \
    --wrap "$(q "$DLCOURSE" grade "$lesson" --course "$COURSE" --prepare)")
grade=$(sbatch --parsable --dependency="afterok:$prepare" --array="0-$(( shards - 1 ))" --export=ALL \
    "$here/grade-shard.sbatch")
summary=$(sbatch --parsable --dependency="afterok:$grade" --job-name=dlcourse-summary \
    --output="dlcourse-summary-%j.out" --export=ALL \
    --wrap "$(q "$DLCOURSE" grade "$lesson" --course "$COURSE" --summary) && $(q "$DLCOURSE" export --course "$COURSE")")
echo "prepare: job $prepare; shards: array job $grade (0-$(( shards - 1 ))); summary and export: job $summary"
echo "the summary will be in dlcourse-summary-$summary.out"
