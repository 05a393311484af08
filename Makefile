# Two commands on a fresh machine:
#   make demo   the whole audit pipeline on the embedded sandbox organization (no AWS account)
#   make test   everything the test suite needs, installed and started, then the suite
PYTHON ?= python3
VENV   ?= .venv

.PHONY: demo test lint bench clean

$(VENV)/.demo-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[sandbox]'
	touch $@

demo: $(VENV)/.demo-installed
	$(VENV)/bin/mfaguard demo

test:
	bash scripts/test.sh

lint:
	$(VENV)/bin/ruff check src tests benchmarks

bench:
	bash scripts/test.sh --install-only
	$(VENV)/bin/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
