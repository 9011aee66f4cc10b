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
	sandbox postgres fonts grade-selftest release-zip hub-setup hub release-hub release-feedback translations \
	delete-submissions remove-student export override overrides undo-override dates similarity

help:
	@sed -n '2,5p' Makefile | sed 's/^# //'
	@echo "  make setup          create .venv with the pinned dependencies"
	@echo "  make lint / format  ruff check / ruff format"
	@echo "  make strip-outputs  clear outputs of every notebook in solutions/"
	@echo "  make release-zip ASSIGNMENT=01_one_hot   dist/01_one_hot.zip for an LMS (if schedule.toml allows it)"
	@echo "  make course LANG=zh | make release-zip ASSIGNMENT=01_one_hot LANG=zh   the Chinese edition (course-zh/, dist/*-zh.zip)"
	@echo "  make release-hub ASSIGNMENT=01_one_hot [LANG=zh]   to the hub's students (the Chinese edition: course-zh/)"
	@echo "  make translations   which markdown cells lack a Chinese translation, or have a stale one (tools/i18n.py)"
	@echo "  make collect FROM=folder-or.zip ASSIGNMENT=01_one_hot [SUBMITTED_AT=2026-10-12T21:00+02:00]   submissions -> autograder/submitted/"
	@echo "  make dates          due dates, extensions and the late policy of schedule.toml"
	@echo "  make override STUDENT=.. ASSIGNMENT=.. CELL=test_..|total SCORE=.. REASON='..'   a regrade, recorded"
	@echo "  make overrides | make undo-override ID=.. REASON='..'   the regrades in force; cancel one"
	@echo "  make similarity [ASSIGNMENT=..]           pairs of similar submissions (also in the report)"
	@echo "  make export LMS=canvas|moodle             autograder/export/<lms>.csv for the LMS's grade import"
	@echo "  make grade [ASSIGNMENT=..] [STUDENT=..]   autograde (parallel, sandboxed) + feedback + report"
	@echo "  make grade SCHEDULER=tcp://host:8786      the same, graded on a Dask cluster (README, 'Grading on a cluster')"
	@echo "  make sandbox        install bubblewrap, the sandbox of grading kernels (root, apt-get)"
	@echo "  make grade-selftest check on this machine that grading kernels are sandboxed"
	@echo "  make autograde / feedback / report        one step of make grade"
	@echo "  make browser        install Chromium for the browser tests (tests/browser)"
	@echo "  make fonts          install a CJK font, for figures labelled in Chinese (root, apt-get)"
	@echo "  make bench          training speed (scratch, hand-written BPTT, nn.RNN), notebook and grading times, a student's server"
	@echo "  make remove-student STUDENT=..          remove a student from the gradebook and autograder/ (asks)"
	@echo "  make clean          remove .venv and what make grade rebuilds (never submissions or the gradebook)"
	@echo "  make delete-submissions                   delete every submission, the gradebook and grades (asks)"

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

# The grading tests need the sandbox (bubblewrap) and a PostgreSQL server, the Chinese figures a CJK
# font; under CI (CI=true) the browser tests must run too.
test: $(STAMP) lint sandbox postgres fonts
	@if [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory browser; fi
	$(BIN)/python -m pytest

# Debian's Chromium for the browser tests (tests/browser); needs root and apt-get.
browser:
	bash tools/install_debian.sh /usr/bin/chromium chromium chromium-driver

# Debian's bubblewrap: every grading kernel runs in its sandbox (tools/sandbox.py); needs root and apt-get.
sandbox:
	bash tools/install_debian.sh /usr/bin/bwrap bubblewrap

# Debian's Noto CJK fonts, so that figures labelled in Chinese draw every character (helpers.use_cjk_font);
# needs root and apt-get. matplotlib lists the system's fonts once and never looks again: a list made
# before the install lacks the font, and is deleted so that the next figure lists the fonts anew.
NOTO_CJK := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts: $(STAMP)
	bash tools/install_debian.sh $(NOTO_CJK) fonts-noto-cjk
	@test ! -f $(NOTO_CJK) || $(BIN)/python -c 'import sys, matplotlib.font_manager as fm; \
		sys.exit("Noto Sans CJK SC" not in {font.name for font in fm.fontManager.ttflist})' || \
		rm -fv "$$($(BIN)/python -c 'import matplotlib; print(matplotlib.get_cachedir())')"/fontlist-v*.json

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
	$(BIN)/python -m tools.release course $(if $(ASSIGNMENT),-a $(ASSIGNMENT)) --lang $(EDITION)

# The edition of `make course`, `make release-zip` and `make release-hub`: LANG=zh makes the Chinese one
# (tools/i18n.py; README, "The Chinese edition"). Only the exact value zh counts: the shell's own LANG (C.UTF-8, zh_CN.UTF-8) is English.
EDITION := $(if $(filter zh,$(LANG)),zh,en)

translations: $(STAMP)
	$(BIN)/python -m tools.i18n status

# One assignment as a zip for an LMS (dist/<a>.zip: notebook, helpers.py, data/, requirements.txt, a
# student README), refused while it would carry answers of an assignment schedule.toml says is open.
release-zip: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make release-zip ASSIGNMENT=<assignment>"; exit 2; }
	$(BIN)/python -m tools.release zip -a $(ASSIGNMENT) --lang $(EDITION)

# JupyterHub with nbgrader's exchange (hub/jupyterhub_config.py; README, "Running a class on JupyterHub").
# hub-setup installs the hub's proxy (npm); hub runs it as root, on 127.0.0.1:8000 unless RNN_HUB_IP/PORT.
EXCHANGE ?= $(or $(RNN_COURSE_EXCHANGE),/srv/nbgrader/exchange)
hub-setup: $(STAMP)
	cd hub && npm ci --no-audit --no-fund

hub: hub-setup
	@test "$$(id -u)" = 0 || { echo "make hub runs as root: each user's server runs as that user"; exit 2; }
	mkdir -p "$(EXCHANGE)" && chmod 1777 "$(EXCHANGE)"
	RNN_COURSE_EXCHANGE="$(EXCHANGE)" $(BIN)/jupyterhub -f hub/jupyterhub_config.py

# One assignment to the hub's students (refused while it would carry answers of an open assignment);
# LANG=zh: the Chinese edition, course-zh/<a> (make course LANG=zh first), under the same course id.
release-hub: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make release-hub ASSIGNMENT=<assignment>"; exit 2; }
	RNN_COURSE_EXCHANGE="$(EXCHANGE)" $(BIN)/python -m tools.release hub -a $(ASSIGNMENT) --lang $(EDITION)

# Policy: notebooks are stored without outputs (tests/test_notebook_policy.py).
strip-outputs: $(STAMP)
	$(BIN)/jupyter nbconvert --clear-output --inplace solutions/*/*.ipynb extras/*/*.ipynb

# What `make setup` and `make grade` rebuild. Never student work (autograder/submitted, quarantine, the
# exchange), the gradebook (manual grades), the roster or backups: `make delete-submissions` deletes those.
REBUILT := autograder/autograded autograder/feedback autograder/report autograder/logs autograder/release \
	autograder/jupyter autograder/downloaded autograder/anomalies.json autograder/last-grading.json autograder/export
clean:
	rm -rf $(VENV) .test-artifacts .ruff_cache dist $(REBUILT)
	@echo "kept: student work (autograder/submitted, quarantine, exchange), the gradebook, the roster, the regrades, backups"

# Deleting student work is explicit: it lists what goes and asks (FORCE=1: without asking).
YES = $(if $(filter 1 yes true,$(FORCE)),--yes)
delete-submissions: $(STAMP)
	$(BIN)/python -m tools.submissions delete $(YES)

remove-student: $(STAMP)
	@test -n "$(STUDENT)" || { echo "usage: make remove-student STUDENT=<student id> [FORCE=1]"; exit 2; }
	$(BIN)/python -m tools.submissions remove-student "$(STUDENT)" $(YES)

# Grading a class (tools/grade.py; README, "For instructors").
GRADE_ARGS = $(if $(ASSIGNMENT),-a $(ASSIGNMENT)) $(if $(STUDENT),-s $(STUDENT)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(filter 1 yes true,$(UNSAFE)),--unsafe)

# FROM=<folder or .zip> (an LMS download); without FROM, from the hub's exchange (nbgrader collect).
collect: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make collect ASSIGNMENT=<assignment> [FROM=<folder or .zip>]"; exit 2; }
	$(BIN)/python -m tools.grade collect $(if $(FROM),"$(FROM)") -a $(ASSIGNMENT) $(if $(SUBMITTED_AT),--submitted-at "$(SUBMITTED_AT)")

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

# The term (tools/term.py; README, "Due dates, regrades and the LMS"): due dates, regrades, LMS export.
dates: $(STAMP)
	$(BIN)/python -m tools.term dates

override: $(STAMP)
	@test -n "$(STUDENT)" -a -n "$(ASSIGNMENT)" -a -n "$(CELL)" -a -n "$(SCORE)" -a -n "$(REASON)" || { \
		echo "usage: make override STUDENT=<id> ASSIGNMENT=<a> CELL=<test cell>|total SCORE=<points> REASON='<why>'"; exit 2; }
	$(BIN)/python -m tools.term override "$(STUDENT)" "$(ASSIGNMENT)" "$(CELL)" "$(SCORE)" --reason "$(REASON)"

overrides: $(STAMP)
	$(BIN)/python -m tools.term overrides $(if $(STUDENT),-s $(STUDENT)) $(if $(ASSIGNMENT),-a $(ASSIGNMENT))

undo-override: $(STAMP)
	@test -n "$(ID)" -a -n "$(REASON)" || { echo "usage: make undo-override ID=<override id> REASON='<why>'"; exit 2; }
	$(BIN)/python -m tools.term undo "$(ID)" --reason "$(REASON)"

similarity: $(STAMP)
	$(BIN)/python -m tools.similarity $(if $(ASSIGNMENT),-a $(ASSIGNMENT))

export: $(STAMP)
	@test -n "$(LMS)" || { echo "usage: make export LMS=canvas|moodle [ASSIGNMENT=...]"; exit 2; }
	$(BIN)/python -m tools.export $(LMS) $(if $(ASSIGNMENT),-a $(ASSIGNMENT))
