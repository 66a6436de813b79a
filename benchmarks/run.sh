#!/usr/bin/env bash
# `make bench`: a separate venv (.venv-bench) with symgrad and its peers (PyTensor, JAX, PyTorch),
# then benchmarks/bench.py with the arguments given here (e.g. --quick, --only W2, --markdown F).
# Each install is tried once per run until it succeeds (a stamp per item); one that fails only
# leaves its implementation as "n/a" in the tables. Install output goes to .venv-bench/install.log.
set -uo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-bench
PY="$VENV/bin/python"
LOG="$VENV/install.log"

if [ ! -x "$PY" ]; then
    echo "bench: creating $VENV"
    python3 -m venv "$VENV" || { echo "bench: cannot create $VENV" >&2; exit 1; }
fi

# install NAME STAMP_DEPENDENCY PIP_ARGS...: pip install unless its stamp is newer than the
# dependency (or, with dependency "-", unless the stamp exists).
install() {
    local name="$1" dep="$2" stamp="$VENV/.installed-$1"
    shift 2
    if [ -e "$stamp" ] && { [ "$dep" = "-" ] || [ "$stamp" -nt "$dep" ]; }; then
        return 0
    fi
    printf 'bench: installing %s... ' "$name"
    echo "== $(date) pip install $*" >>"$LOG"
    if "$PY" -m pip install -q "$@" >>"$LOG" 2>&1; then
        touch "$stamp"
        echo ok
    else
        echo "failed (see $LOG); it will show as n/a"
    fi
}

install pip - --upgrade pip
install project pyproject.toml -e . threadpoolctl
# Keep the numpy the project was installed with (numba caps it), so that no peer moves it.
CONSTRAINTS="$VENV/constraints.txt"
"$PY" -c 'import numpy; print("numpy==" + numpy.__version__)' >"$CONSTRAINTS" 2>/dev/null \
    || : >"$CONSTRAINTS"
install pytensor - -c "$CONSTRAINTS" pytensor
install jax - -c "$CONSTRAINTS" jax jaxlib
install torch - -c "$CONSTRAINTS" torch==2.13.0

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, where this machine sets them, slow a current numpy:
# unset both for this command alone (BENCH_KEEP_OPENBLAS_ENV=1 keeps them). The report names
# the BLAS kernel actually used.
if [ -z "${BENCH_KEEP_OPENBLAS_ENV:-}" ] && [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]; then
    export BENCH_ORIG_OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-}"
    unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
fi

exec "$PY" benchmarks/bench.py "$@"
