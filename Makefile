# `make demo` and `make test` each work on a fresh machine: they install the
# system packages they need, build .venv from the pinned lock files, then run.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := ffmpeg espeak-ng festival festvox-us-slt-hts redis-server fonts-dejavu-core
# The browser tests drive Debian's Chromium through Playwright (no browser download), and
# inject axe-core (package.json, installed by npm ci) into the pages they check.
TEST_APT_PACKAGES := chromium nodejs
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
EXAMPLE := examples/gigawatt-racks.md

.PHONY: demo test lint system test-system venv clean

demo: system $(BIN)/.runtime
	$(BIN)/infracast make $(EXAMPLE)

test: system test-system $(BIN)/.dev node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test-system:
	@$(MAKE) --no-print-directory system APT_PACKAGES="$(TEST_APT_PACKAGES)"

system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, pinned, so the CPU build on disk is used and nothing pulls a CUDA build.
$(BIN)/.torch: | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	touch $@

# The locks pin every package, so --no-deps installs exactly them. That also keeps out
# triton (~1 GB), which openai-whisper lists but only uses on CUDA GPUs.
$(BIN)/.runtime: requirements.lock pyproject.toml | $(BIN)/.torch
	$(BIN)/pip install -q --no-deps -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(BIN)/.dev: requirements-dev.lock $(BIN)/.runtime
	$(BIN)/pip install -q --no-deps -r requirements-dev.lock
	touch $@

# npm ci installs exactly package-lock.json. Debian's nodejs comes without npm (its own
# package); a nodejs that bundles npm conflicts with that package, so install it only if absent.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory system APT_PACKAGES=npm
	npm ci --no-audit --no-fund --silent
	touch $@

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
