# Set-up and entry points. `make test` and `make demo` bootstrap everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages: headless browser tests, CJK fonts, document conversion (DOC/WPS/PDF),
# a C compiler and Python headers for the one compiled module (parsers/treewalk.pyx).
DEBS   := chromium fonts-wqy-microhei libreoffice-writer-nogui antiword catdoc poppler-utils \
          gcc libc6-dev python3-dev
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv debs test demo bench clean

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml setup.py parsers/treewalk.pyx | debs
	$(PYTHON) -m venv $(VENV)
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
	rm -rf $(VENV) data build *.egg-info parsers/treewalk.c parsers/*.so
