# Set-up and entry points. `make test` and `make demo` bootstrap everything they need.
# Any CPython ≥ 3.11: `make venv PYTHON=python3.13` picks another interpreter.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip install -q --disable-pip-version-check

.PHONY: venv sysdeps test test-fast demo demo-distributed bench docs lock clean

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@# a venv made by another interpreter is made anew (its links would point at the old one)
	@[ "$$($(BIN)/python -VV 2>/dev/null)" = "$$($(PYTHON) -VV)" ] || $(PYTHON) -m venv --clear $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	touch $@

# The system tools some tests and the demo use (browser, office converters, Redis, a CJK font):
# installed with apt-get where there is one, else named (scripts/sysdeps.sh).
sysdeps:
	@sh scripts/sysdeps.sh

test: venv sysdeps
	$(BIN)/pytest -q

# the inner loop: no crawls, browsers, office conversions, Redis or slow tests (under a minute)
test-fast: venv
	$(BIN)/pytest -q -m "not crawl and not browser and not office and not distributed and not slow"

demo: venv sysdeps
	$(BIN)/xxgk demo

demo-distributed: venv sysdeps
	$(BIN)/xxgk demo --workers 3

bench: venv sysdeps
	$(BIN)/python -m bench

# docs/cli.md from every command's --help (tests/test_docs.py checks it is current)
docs: venv
	$(BIN)/cog -r docs/cli.md

# one lock for every supported interpreter: resolve on $(PYTHON), then check 3.11–3.13 install it
lock:
	rm -rf build/lock && $(PYTHON) -m venv build/lock
	build/lock/bin/pip install -q --disable-pip-version-check '.[test]'
	{ echo "# Every package pinned, for CPython 3.11–3.13 (make venv installs this, then the project with --no-deps)."; \
	  echo "# Regenerate: make lock"; build/lock/bin/pip freeze --exclude xxgk-archive; } > requirements.lock

clean:
	rm -rf $(VENV) data build *.egg-info
