"""The `symgrad` command line."""
import os
import subprocess
import sys
import textwrap


def run(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "symgrad.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, env=env)


def test_demo_walks_the_tutorial_page():
    res = run("demo")
    assert res.returncode == 0, res.stderr
    assert "'((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))'" in res.stdout
    assert "array(8.)" in res.stdout and "array(188.4)" in res.stdout
    assert "0.19661193" in res.stdout
    assert "cost must be a scalar" in res.stdout


def test_graph_prints_and_draws(tmp_path):
    script = tmp_path / "model.py"
    script.write_text(textwrap.dedent("""
        import symgrad.tensor as T
        x = T.dscalar('x')
        y = T.exp(x) * 2
    """))
    res = run("graph", f"{script}:y")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "(exp(x) * 2)"
    out = tmp_path / "y.svg"
    res = run("graph", f"{script}:y", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "<svg" in out.read_text()
    res = run("graph", f"{script}:nope")
    assert res.returncode == 2 and "no variable" in res.stderr


def test_demo_plots_the_logistic_gradient(tmp_path):
    out = tmp_path / "dlogistic.png"
    # the Python VM computes the plotted values as well as numba would, without a compile
    res = run("demo", "--plot", str(out), env={**os.environ, "SYMGRAD_FLAGS": "linker=py"})
    assert res.returncode == 0, res.stderr
    assert f"The plot of ds(x)/dx is in {out}" in res.stdout
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
