# The README's two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
KC := $(VENV)/bin/kc
PYTEST := $(VENV)/bin/pytest
export KC_HOME ?= $(CURDIR)/.kc

.PHONY: demo test setup db lint

setup:
	@tools/setup.sh

db: setup
	@$(KC) db start
	@$(KC) db migrate

demo: db
	@$(KC) demo

test: db
	@$(VENV)/bin/ruff check .
	@$(PYTEST)

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
