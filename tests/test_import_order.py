"""Importing symgrad works whatever order its modules are imported in (an import sorter may
reorder any import block), and T.grad is symgrad.gradient.grad."""
import ast
import inspect
import pathlib
import shutil
import subprocess
import sys

import pytest

import symgrad
import symgrad.gradient
import symgrad.tensor as T

PACKAGE = pathlib.Path(symgrad.__file__).parent
TENSOR_MODULES = sorted(p.stem for p in (PACKAGE / "tensor").glob("*.py") if p.stem != "__init__")


def _run(code: str, root: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    env_path = str(root) if root is not None else str(PACKAGE.parent)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": env_path, "PATH": ""})


def _check(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("code", [
    "import symgrad",
    "import symgrad.tensor as T",
    "import symgrad.tensor as T; import symgrad",
    "import symgrad; import symgrad.tensor as T",
    "import symgrad.gradient",
    "from symgrad.tensor import grad",
])
def test_entry_points_in_fresh_processes(code):
    _check(_run(code + "; import symgrad.tensor as T; x = T.dscalar('x'); T.grad(x ** 2, x)"))


def test_grad_family_is_the_gradient_module_functions():
    for name in ("Lop", "Rop", "consider_constant", "grad", "hessian", "jacobian",
                 "numeric_grad", "verify_grad"):
        alias = getattr(T, name)
        assert alias is getattr(symgrad.gradient, name)
        assert name in dir(T)
    assert inspect.signature(T.grad) == inspect.signature(symgrad.gradient.grad)
    assert T.grad.__doc__ == symgrad.gradient.grad.__doc__
    with pytest.raises(AttributeError, match="symgrad.tensor.*no_such_name"):
        T.no_such_name  # noqa: B018


def _reverse_leading_imports(path: pathlib.Path) -> None:
    """Rewrite the file with its first run of top-level import statements in reverse order."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    body = ast.parse(text).body
    start = 1 if body and isinstance(body[0], ast.Expr) else 0  # the docstring stays first
    block = []
    for stmt in body[start:]:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)) or stmt.module == "__future__":
            break
        block.append(stmt)
    assert len(block) > 1, path
    first, last = block[0].lineno - 1, block[-1].end_lineno
    pieces = ["".join(lines[s.lineno - 1:s.end_lineno]) for s in block]
    path.write_text("".join(lines[:first] + pieces[::-1] + lines[last:]))


def test_reversed_package_imports_still_import(tmp_path):
    """The package's own import blocks, reversed: every tensor module can come first."""
    copy = tmp_path / "symgrad"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for init in (copy / "__init__.py", copy / "tensor" / "__init__.py"):
        _reverse_leading_imports(init)
    check = ("import symgrad.tensor as T; from symgrad import function; x = T.dscalar('x'); "
             "assert function([x], T.grad(x ** 2, x), mode='FAST_COMPILE')(3.0) == 6.0")
    _check(_run("import symgrad; " + check, tmp_path))
    _check(_run(check + "; import symgrad", tmp_path))
    modules = "; ".join(f"import symgrad.tensor.{m}" for m in reversed(TENSOR_MODULES))
    _check(_run(modules + "; " + check, tmp_path))
