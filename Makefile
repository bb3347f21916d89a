# Set-up and entry points. `make test` and `make demo` bootstrap everything they need.
# Debian's CPython 3.11 (installed by `debs`): built with PGO and LTO, statically linked; the
# parse runs ≈ 10 % faster on it than on a default source build such as pyenv's
PYTHON ?= /usr/bin/python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages: the interpreter with venv, headless browser tests, CJK fonts, document
# conversion (DOC/WPS/PDF), a C compiler and Python headers for the compiled modules (setup.py).
DEBS   := python3.11 python3.11-venv python3.11-dev chromium fonts-wqy-microhei libreoffice-writer-nogui \
          antiword catdoc poppler-utils gcc libc6-dev
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv debs test demo bench clean

venv: $(STAMP)

# (rebuilt when a parser source changes: setup.py compiles some of them)
$(STAMP): requirements.lock pyproject.toml setup.py $(wildcard parsers/*.py parsers/*.pyx) | debs
	@# a venv made by another interpreter is made anew (its links would point at the old one)
	[ "$$($(BIN)/python -VV 2>/dev/null)" = "$$($(PYTHON) -VV)" ] || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

debs:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test: venv debs
	$(BIN)/pytest -q

demo: venv debs
	$(BIN)/xxgk demo

bench: venv debs
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data build *.egg-info parsers/*.c parsers/*.so
