# Two set-up commands: `make demo` and `make test`; each creates .venv when it is missing.
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	.venv/bin/symgrad demo

test: $(STAMP)
	$(PY) -m pytest -n 2 tests

bench: $(STAMP)
	bash benchmarks/run.sh

lint: $(STAMP)
	$(PY) -m ruff check symgrad tests

clean:
	rm -rf .venv .venv-bench build *.egg-info
