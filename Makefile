# Every target sets up .venv (and node_modules for the book) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: start test book lab grade bench setup browser clean help

help:
	@echo "make start   build the book if stale, serve it and JupyterLab on 127.0.0.1"
	@echo "make test    run every test (library, CLI, notebooks, book, grading, browser)"
	@echo "make book    build the book (offline, warnings as errors)"
	@echo "make lab     JupyterLab only, on 127.0.0.1"
	@echo "make grade   regenerate exercises/ from solutions/ with nbgrader"
	@echo "make bench   print benchmark figures"
	@echo "make clean   remove .venv, node_modules and build output"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -c requirements.lock -e ".[course,test,hub]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP) $(NODE_STAMP)

# Browser tests use Debian's Chromium, never a downloaded browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Chromium is missing: installing Debian's chromium (needs root or sudo)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; }

start: setup
	$(BIN)/trainer-billing start

test: setup browser
	$(BIN)/pytest -n 2

book: setup
	$(BIN)/trainer-billing build-book

lab: setup
	JUPYTER_PATH=$(CURDIR)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH} \
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser \
	  --ServerApp.jpserver_extensions=trainer_billing.course=True \
	  --VoilaConfiguration.template=trainer-billing \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

grade: setup
	$(BIN)/nbgrader generate_assignment '*' --force

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) node_modules book/_build book/_vendor
