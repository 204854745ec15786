# WeerbaarNL node. Quick start: `make run` (serve a demo node) and `make test` (run the tests).
# Override the interpreter with `make run PYTHON=/path/to/python3.12`.
SHELL := /bin/bash
VENV  := .venv
VPY   := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12: $(PYTHON) if given, then python3.12, 3.13, 3.14, python3 on PATH,
# then pyenv's installed versions (oldest suitable first). A pyenv shim that is not active fails the version check
# and is skipped.
PYTHON ?= $(shell \
  ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
  for c in python3.12 python3.13 python3.14 python3; do \
    p=$$(command -v $$c 2>/dev/null) && ok "$$p" && { echo "$$p"; exit 0; }; \
  done; \
  root=$$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv"); \
  for p in $$(ls -d "$$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
    ok "$$p" && { echo "$$p"; exit 0; }; \
  done)

.PHONY: run test venv check-python demo clean messages

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found (looked on PATH and in pyenv)." >&2; \
	  echo "Install Python 3.12+ (e.g. 'apt install python3.12 python3.12-venv' or 'pyenv install 3.12')," >&2; \
	  echo "or point to one: make run PYTHON=/path/to/python3.12" >&2; \
	  exit 1; \
	fi

# (Re)install only when pyproject.toml changed, so a second `make run` starts in seconds.
$(STAMP): pyproject.toml | check-python
	@if [ ! -x $(VPY) ]; then echo "Creating $(VENV) with $(PYTHON)"; "$(PYTHON)" -m venv $(VENV); fi
	@$(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "$(VENV) was made with an old Python; remove it (rm -rf $(VENV)) and run make again." >&2; exit 1; }
	@echo "Installing WeerbaarNL and its dependencies into $(VENV) (first run: about 30 s; log in $(VENV)/install.log)"
	@{ $(VPY) -m pip install --disable-pip-version-check --upgrade pip && \
	   $(VPY) -m pip install --disable-pip-version-check -e '.[test]'; } > $(VENV)/install.log 2>&1 || { \
	  tail -n 30 $(VENV)/install.log >&2; \
	  echo "Installing failed; the full log is $(VENV)/install.log. Check the network and disk space, then run make again." >&2; \
	  exit 1; }
	@touch $(STAMP)
	@echo "Installed."

venv: $(STAMP)

run: $(STAMP)
	@$(VENV)/bin/weerbaarnl migrate --quiet
	@$(VENV)/bin/weerbaarnl demo
	@$(VENV)/bin/weerbaarnl serve

test: $(STAMP)
	$(VPY) -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	$(VENV)/bin/weerbaarnl demo

# Regenerate the translation catalogue after changing user-facing strings (needs GNU gettext).
messages: $(STAMP)
	$(VPY) manage.py makemessages -l nl -l en --ignore '.venv/*' --ignore 'var/*'
	$(VPY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles
