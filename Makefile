# cunxin: `make demo` runs the demo county, `make test` runs every check. Nothing but Python 3.11+
# and Node.js is needed; everything else is installed from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := cunxin.settings
# pytest-xdist workers for `make test`: one per core; each has its own test database, Chromium
# and live server. TEST_WORKERS=0 runs in one process (a debugger, or a single failing test).
TEST_WORKERS ?= auto

.PHONY: demo serve test lint typecheck bench messages clean install install-dev system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

# Debian packages the checks need when missing: Chromium (browser tests), gettext (catalogue
# check), a CJK font (Chinese PDFs), poppler-utils (reading the PDFs' text back in tests). Installed with apt when run as root, otherwise named.
SYSTEM_PACKAGES := chromium gettext fonts-noto-cjk poppler-utils
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } || \
	    echo "could not install:$$missing"; \
	  else echo "missing Debian packages:$$missing (the tests that need them fail under CI=true)"; fi; \
	fi

demo: install
	$(BIN)/cunxin migrate --noinput
	$(BIN)/cunxin demo --reset
	@echo "cunxin: http://$(HOST):$(PORT)/"
	$(BIN)/cunxin runserver $(HOST):$(PORT)

serve: install
	$(BIN)/cunxin migrate --noinput
	$(BIN)/cunxin runserver $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check src
	$(BIN)/ruff format --check src

typecheck: install-dev
	$(BIN)/mypy src/cunxin

test: install-dev system-deps
	$(BIN)/ruff check src
	$(BIN)/ruff format --check src
	$(BIN)/mypy src/cunxin
	$(BIN)/cunxin makemigrations --check --dry-run
	$(BIN)/pytest -q -n $(TEST_WORKERS)

bench: install
	$(BIN)/python -m cunxin.bench

messages: install-dev
	cd src/cunxin && ../../$(BIN)/cunxin makemessages -l en --no-obsolete --add-location=file \
	  -i "*/tests/*" -i conftest.py -i "demo/*"
	$(BIN)/python -m cunxin.core.i18n_compile

clean:
	rm -rf $(VENV) node_modules var/cunxin.sqlite3*
