# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch/torchvision are pinned in pyproject (2.14.1/0.29.1) and installed in this same pip command, so
# bitsandbytes/accelerate cannot pull another torch build.
EXTRAS := all,dev

.PHONY: run test setup lint typecheck archcheck audit browsers clean bench lock

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[$(EXTRAS)]'
	touch $(STAMP)

setup: $(STAMP)

browsers:
	@# The browser test drives Debian's chromium (no browser download is possible here).
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: setup
	$(BIN)/creative4u up

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

archcheck: setup
	$(BIN)/lint-imports

lock: setup
	@# After changing dependencies in pyproject.toml: pin what the venv resolved, for every later set-up.
	{ echo "# Exact versions that make test and make run install (pip constraints). Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^-e' | grep -v '^creative4u'; } > requirements.lock

audit: setup
	@# --strict: a dependency that could not be checked is a failure, not a silent pass.
	$(BIN)/pip-audit --skip-editable --strict --progress-spinner off

test: setup browsers lint typecheck archcheck
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/ranking.py
	$(BIN)/python bench/cpu_comparator.py
	$(BIN)/python bench/mllm_overhead.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/web_polling.py
	$(BIN)/python bench/web_upload.py
	$(BIN)/python bench/refresh_loop.py
	@echo "GPU: $(BIN)/python bench/mllm_gpu.py on a CUDA machine (see README)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
