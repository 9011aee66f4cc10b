# The course's commands. Every target creates .venv on first use (idempotent).
#   make lab      open the course in JupyterLab (students)
#   make test     lint + the whole test suite (what CI runs)
#   make course   regenerate course/ from solutions/ (instructors)
#   make help     everything else

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader runs `alembic` and `jupyter` from its environment: put it first.
export PATH := $(BIN):$(PATH)
# Notebook kernels and pytest see the same environment and no user site.
export PYTHONNOUSERSITE := 1


.PHONY: help setup lab test lint format course strip-outputs clean collect grade autograde feedback report bench browser \
	sandbox postgres grade-selftest release-zip hub-setup hub release-hub release-feedback

help:
	@sed -n '2,5p' Makefile | sed 's/^# //'
	@echo "  make setup          create .venv with the pinned dependencies"
	@echo "  make lint / format  ruff check / ruff format"
	@echo "  make strip-outputs  clear outputs of every notebook in solutions/"
	@echo "  make release-zip ASSIGNMENT=01_one_hot   dist/01_one_hot.zip for an LMS (if course.toml allows it)"
	@echo "  make collect FROM=folder-or.zip ASSIGNMENT=01_one_hot   submissions -> autograder/submitted/"
	@echo "  make grade [ASSIGNMENT=..] [STUDENT=..]   autograde (parallel, sandboxed) + feedback + report"
	@echo "  make grade SCHEDULER=tcp://host:8786      the same, graded on a Dask cluster (README, 'Grading on a cluster')"
	@echo "  make sandbox        install bubblewrap, the sandbox of grading kernels (root, apt-get)"
	@echo "  make grade-selftest check on this machine that grading kernels are sandboxed"
	@echo "  make autograde / feedback / report        one step of make grade"
	@echo "  make browser        install Chromium for the browser tests (tests/browser)"
	@echo "  make bench          training speed (scratch, hand-written BPTT, nn.RNN), notebook and grading times"
	@echo "  make clean          remove .venv and grading outputs"

setup: $(STAMP)

$(STAMP): requirements.txt Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), \
		f"Python 3.11 is required, found {sys.version.split()[0]} at {sys.executable}"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@# jsonschema (via nbformat, hence every nbgrader, nbconvert and tools process) imports rfc3987-syntax if it
	@# is installed, which compiles ~35 Lark grammars on import: 1.6-2 s per process, for an "iri" format check
	@# no Jupyter schema uses. jupyter-events pulls it in through jsonschema[format-nongpl]; without it jsonschema
	@# registers every other format (tests/test_environment.py checks that it stays out).
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	touch $(STAMP)

# As root (containers, CI) JupyterLab refuses to start without --allow-root.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The grading tests need the sandbox (bubblewrap) and a PostgreSQL server; under CI (CI=true) the
# browser tests must run too.
test: $(STAMP) lint sandbox postgres
	@if [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory browser; fi
	$(BIN)/python -m pytest

# Debian's Chromium for the browser tests (tests/browser); needs root and apt-get.
browser:
	bash tools/install_debian.sh /usr/bin/chromium chromium chromium-driver

# Debian's bubblewrap: every grading kernel runs in its sandbox (tools/sandbox.py); needs root and apt-get.
sandbox:
	bash tools/install_debian.sh /usr/bin/bwrap bubblewrap

# Debian's PostgreSQL server, for the gradebook-server tests (tests/test_gradebook_server.py) and a
# gradebook of your own (tools/gradebook.py); needs root and apt-get. It is not started as a service.
postgres:
	bash tools/install_debian.sh /usr/bin/pg_ctlcluster postgresql

# Probe a sandboxed grading kernel from the inside: it must reach nothing (README, "For instructors").
grade-selftest: $(STAMP)
	$(BIN)/python -m tools.selftest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the student release from the instructors' source notebooks (tools/release.py: files that
# nbgrader would not write, or edited by hand, are backed up to autograder/backups/ first).
course: $(STAMP)
	$(BIN)/python -m tools.release course $(if $(ASSIGNMENT),-a $(ASSIGNMENT))

# One assignment as a zip for an LMS (dist/<a>.zip: notebook, helpers.py, data/, requirements.txt, a
# student README), refused while it would carry answers of an assignment course.toml says is open.
release-zip: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make release-zip ASSIGNMENT=<assignment>"; exit 2; }
	$(BIN)/python -m tools.release zip -a $(ASSIGNMENT)

# JupyterHub with nbgrader's exchange (hub/jupyterhub_config.py; README, "Running a class on JupyterHub").
# hub-setup installs the hub's proxy (npm); hub runs it as root, on 127.0.0.1:8000 unless RNN_HUB_IP/PORT.
EXCHANGE ?= $(or $(RNN_COURSE_EXCHANGE),/srv/nbgrader/exchange)
hub-setup: $(STAMP)
	cd hub && npm ci --no-audit --no-fund

hub: hub-setup
	@test "$$(id -u)" = 0 || { echo "make hub runs as root: each user's server runs as that user"; exit 2; }
	mkdir -p "$(EXCHANGE)" && chmod 1777 "$(EXCHANGE)"
	RNN_COURSE_EXCHANGE="$(EXCHANGE)" $(BIN)/jupyterhub -f hub/jupyterhub_config.py

# One assignment to the hub's students (refused while it would carry answers of an open assignment).
release-hub: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make release-hub ASSIGNMENT=<assignment>"; exit 2; }
	RNN_COURSE_EXCHANGE="$(EXCHANGE)" $(BIN)/python -m tools.release hub -a $(ASSIGNMENT)

# Policy: notebooks are stored without outputs (tests/test_notebook_policy.py).
strip-outputs: $(STAMP)
	$(BIN)/jupyter nbconvert --clear-output --inplace solutions/*/*.ipynb extras/*/*.ipynb

clean:
	rm -rf $(VENV) autograder/submitted autograder/autograded autograder/feedback autograder/gradebook.db

# Grading a class (tools/grade.py; README, "For instructors").
GRADE_ARGS = $(if $(ASSIGNMENT),-a $(ASSIGNMENT)) $(if $(STUDENT),-s $(STUDENT)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(filter 1 yes true,$(UNSAFE)),--unsafe)

# FROM=<folder or .zip> (an LMS download); without FROM, from the hub's exchange (nbgrader collect).
collect: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make collect ASSIGNMENT=<assignment> [FROM=<folder or .zip>]"; exit 2; }
	$(BIN)/python -m tools.grade collect $(if $(FROM),"$(FROM)") -a $(ASSIGNMENT)

# The hub: feedback of make grade -> the exchange, where students fetch it.
release-feedback: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make release-feedback ASSIGNMENT=<assignment>"; exit 2; }
	$(BIN)/python -m tools.grade release-feedback -a $(ASSIGNMENT)

grade: $(STAMP)
	$(BIN)/python -m tools.grade all $(GRADE_ARGS)

autograde feedback report: $(STAMP)
	$(BIN)/python -m tools.grade $@ $(GRADE_ARGS)

# Performance measurements (not part of make test): see docs/benchmarks.md and README, "Budgets and measurements".
bench: $(STAMP)
	$(BIN)/python -m tools.bench
