# Two commands are the contract (see README.md):
#   make lab   - set up on first use, then open the student's view in JupyterLab (work/)
#   make test  - set up on first use, then run the whole test suite
# and the instructor's view: make instructor (the whole repository, the Formgrader).
# Everything lives in .venv inside the repository; nothing is installed system-wide
# except the browser the browser tests drive (see tests/browser/README.md).

PYTHON     ?= python3
VENV       := .venv
BIN        := $(CURDIR)/$(VENV)/bin
STAMP      := $(VENV)/.installed
# pyproject.toml's extras that `make test` adds (the test suite, browser tests, the PostgreSQL
# driver); `make lab` installs none, as a student's install. The stamp's name holds the list,
# so changing it installs again.
TEST_EXTRAS ?= test,browser,postgres
comma      := ,
TEST_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(TEST_EXTRAS))
LAB_ARGS   ?=
WORK       ?= work
PYTEST_ARGS ?=
# Test processes (pytest-xdist): on two cores two, since much of a test's time is spent waiting
# for a kernel, a browser or a time limit. tests/conftest.py keeps related tests in one process.
TEST_PROCESSES ?= 2

# JupyterLab refuses to run as root unless told to; containers often run as root.
ifeq ($(shell id -u),0)
ROOT_FLAG := --allow-root
endif

# nbgrader's autograde runs `alembic` from PATH, so the venv's bin must come first.
RUN := PATH="$(BIN):$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)"

.PHONY: lab instructor test env test-env build fingerprints check-python clean-env

# Students work in work/ (their own copies, never overwritten); lessons/ stays as released.
# JupyterLab serves work/ only, as a student's copy of the course does (dlcourse student-bundle):
# solutions/ and the hidden tests are not in it.
lab: env
	$(RUN) $(BIN)/dlcourse workspace --dir "$(WORK)"
	$(RUN) $(BIN)/jupyter lab --ServerApp.root_dir="$(abspath $(WORK))" $(ROOT_FLAG) $(LAB_ARGS)

# The instructor's view: the whole repository (solutions/, lessons/, autograde/) and the Formgrader,
# which works on a course folder below the folder JupyterLab serves.
instructor: env
	$(RUN) $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ROOT_FLAG) $(LAB_ARGS)

test: test-env
	@# Debian packages the tests need (chromium, bubblewrap), installed when missing as root or with sudo.
	@bash tests/install-system-packages.sh
	$(RUN) $(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt autograde/jupyterlab-overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "This course needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	@# No news or update pop-ups over the course (JupyterLab reads overrides.json from the venv).
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp autograde/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

# The same install with the extras (newer than $(STAMP), so whatever reinstalls that reinstalls this).
test-env: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(TEST_EXTRAS)]"
	touch $(TEST_STAMP)

# Regenerate the student versions in lessons/ from the instructor sources in solutions/.
build: env
	$(RUN) $(BIN)/dlcourse build

# Rebuild the fingerprints of the catalogued mistakes (utils/diagnosis/fingerprints/) after changing
# the catalogues (tests/mistakes/) or the probes (utils/diagnosis/probes/).
fingerprints: env
	$(RUN) $(BIN)/python -m tests.mistakes.fingerprints --report

clean-env:
	rm -rf $(VENV)
