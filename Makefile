# Set-up commands: `make demo`, `make test`, `make docs`, `make mlp`; each creates .venv when missing.
PY := .venv/bin/python
STAMP := .venv/.installed
EXAMPLES_STAMP := .venv/.installed-examples
DOCS_STAMP := .venv/.installed-docs

.PHONY: demo test test-jax docs bench lint clean dot mlp fuzz

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	.venv/bin/symgrad demo

$(EXAMPLES_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test,examples,jax]'
	touch $(EXAMPLES_STAMP)

mlp: $(EXAMPLES_STAMP)
	$(PY) examples/mlp.py

$(DOCS_STAMP): $(EXAMPLES_STAMP) pyproject.toml
	$(PY) -m pip install -q -e '.[test,examples,jax,docs]'
	touch $(DOCS_STAMP)

# tests/ and the documentation's examples (doctests in docs/*.rst, on the Python VM)
test: $(DOCS_STAMP) dot
	$(PY) -m pytest -n 2 tests docs

# the backend-agreement tests again, with the JAX backend in every comparison (~6 min on 2 cores)
AGREEMENT := tests/gradient/test_gradient_ops.py tests/gradient/test_grad_arguments.py \
	tests/gradient/test_jacobian_hessian.py tests/rewriting tests/tensor tests/scan/test_scan_modes.py \
	tests/link/test_numba_ifelse.py tests/link/test_numba_scan.py tests/compile/test_builders.py \
	tests/compile/test_mode_tags.py
test-jax: $(DOCS_STAMP)
	SYMGRAD_TEST_JAX=1 $(PY) -m pytest -n 2 $(AGREEMENT)

# HTML under docs/_build/html; -W: a warning fails the build; the figures are drawn by the build
docs: $(DOCS_STAMP) dot
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

# the drawing tests need graphviz's `dot` program (a system package)
dot:
	@command -v dot >/dev/null || { apt-get update -qq && apt-get install -y -qq graphviz; } \
	  || { echo "install graphviz (apt-get install graphviz) for the drawing tests"; exit 1; }

# a long differential fuzz run (numba vs the Python VM vs JAX): make fuzz N=10000, split over J
# processes; numba at the test suite's -O0 (NUMBA_OPT=3 make fuzz checks the production level)
N ?= 1000
J ?= $(shell nproc)
NUMBA_OPT ?= 0
fuzz: $(EXAMPLES_STAMP)
	NUMBA_OPT=$(NUMBA_OPT) NUMBA_NUM_THREADS=1 $(PY) -W ignore -m tests.fuzz.run -n $(N) --jobs $(J)

bench: $(STAMP)
	bash benchmarks/run.sh

lint: $(STAMP)
	$(PY) -m ruff check symgrad tests docs

clean:
	rm -rf .venv .venv-bench build *.egg-info docs/_build docs/_generated
