"""The shape of the code: imports run one way, files stay focused, packages say what they do.

The import graph is read from the source (module-level and function-local imports alike), so a
cycle fails here before it fails at import time in some order nobody tried.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

import symgrad

PACKAGE = pathlib.Path(symgrad.__file__).parent

# The only upward imports, each inside a function and each a named convenience:
ALLOWED_UPWARD = {
    # Variable.eval compiles a function for the user (as Theano's does)
    ("symgrad.graph.basic", "symgrad.compile.function"),
    # verify_grad compiles the graphs it checks
    ("symgrad.gradient.check", "symgrad.compile.function"),
    # jacobian falls back to a scan over output elements when an op has no batching rule
    ("symgrad.gradient.jacobian", "symgrad.scan"),
}

# Stage packages: each docstring says what goes in and what comes out.
STAGES = ("graph", "scalar", "tensor", "gradient", "rewriting", "link", "link.numba", "compile",
          "printing", "scan", "ifelse")

MAX_LINES = 800


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _targets(module: str, node: ast.AST) -> list[str]:
    """The symgrad modules an import statement loads (a package means its __init__)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name.split(".")[0] == "symgrad"]
    else:
        base = node.module or ""
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
            for _ in range(node.level - 1):
                package = package.rsplit(".", 1)[0]
            base = package + ("." + base if base else "")
        if base.split(".")[0] != "symgrad":
            return []
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = []
    for name in names:
        while name not in MODULES:
            name = name.rsplit(".", 1)[0]
        out.append(name)
    return out


def import_graph() -> dict[str, dict[str, bool]]:
    """module -> {imported module: whether the import is function-local}."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        top = {id(n) for n in tree.body}
        edges: dict[str, bool] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, node):
                    if target != module:
                        edges[target] = edges.get(target, True) and id(node) not in top
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _path(graph: dict[str, set[str]], start: str) -> list[str]:
    """A shortest import chain from `start` back to itself (for the failure message)."""
    previous, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    chain = [v]
                    while previous[chain[-1]] is not None:
                        chain.append(previous[chain[-1]])
                    return [*reversed(chain), start]
                if w not in previous:
                    previous[w] = v
                    nxt.append(w)
        frontier = nxt
    return []


def test_no_import_cycles():
    graph = {m: {t for t in edges if (m, t) not in ALLOWED_UPWARD}
             for m, edges in import_graph().items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(
        " -> ".join(_path(graph, c[0])) for c in cycles)


def test_allow_list_is_short_and_each_entry_is_a_local_import():
    assert len(ALLOWED_UPWARD) <= 3
    graph = import_graph()
    for source, target in ALLOWED_UPWARD:
        assert graph[source].get(target) is True, f"{source} -> {target} is not a local import"


# Optional engines load on first use, so that symgrad imports without them (jax is an extra).
OPTIONAL_ENGINES = {("symgrad.link", "symgrad.link.jax")}


def test_function_local_imports_are_only_the_allowed_ones():
    local = {(m, t) for m, edges in import_graph().items() for t, is_local in edges.items()
             if is_local and m != "symgrad.cli"}  # the command line loads what it runs
    allowed = ALLOWED_UPWARD | OPTIONAL_ENGINES
    assert local <= allowed, sorted(local - allowed)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _path({"a": {"b"}, "b": {"a"}}, "a") == ["a", "b", "a"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_file_is_focused(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines (at most {MAX_LINES})"


@pytest.mark.parametrize("module", sorted(m for m, p in MODULES.items() if p.name == "__init__.py"))
def test_package_has_a_docstring(module):
    doc = ast.get_docstring(ast.parse(MODULES[module].read_text()))
    assert doc and len(doc) > 40, f"{module} needs a docstring saying what it holds"


@pytest.mark.parametrize("stage", STAGES)
def test_stage_docstring_says_what_goes_in_and_comes_out(stage):
    doc = ast.get_docstring(ast.parse(MODULES[f"symgrad.{stage}"].read_text()))
    assert "In:" in doc and "Out:" in doc, f"symgrad.{stage}'s docstring lacks In:/Out:"


# The stages in import order: a module may import its own stage and those before it.
STAGE_RANK = {"errors": 0, "config": 0, "graph": 1, "scalar": 2, "tensor": 3, "gradient": 4,
              "rewriting": 4, "ifelse": 5, "scan": 5, "link": 6, "printing": 6, "compile": 7}


def _rank(module: str) -> int:
    parts = module.split(".")
    # the package root, the command line and Theano's alias modules sit above every stage
    return STAGE_RANK.get(parts[1], 99) if len(parts) > 1 else 99


def test_imports_follow_the_stage_order():
    upward = sorted((m, t) for m, edges in import_graph().items() for t in edges
                    if _rank(t) > _rank(m) and (m, t) not in ALLOWED_UPWARD)
    assert not upward, f"imports against the stage order: {upward}"
