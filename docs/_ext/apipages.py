"""The API reference pages, written when the build starts (docs/_generated/api_*.inc, included
by docs/api/*.rst), and a docstring filter for autodoc.

Each public name (the rule of tests/test_docstrings.py) is documented once, on the page of
the first module in MODULES that has it; other pages link to that entry, so an object
re-exported in several modules (`symgrad.grad`, `symgrad.tensor.grad`) is not described twice.
Instances (types such as `dscalar`, ops such as `exp`) are listed by their class.

symgrad's docstrings are plain text, not reStructuredText: `name: meaning` lines with hanging
indents. `plain_docstring` turns them into something docutils reads without warnings.
"""
from __future__ import annotations

import importlib
import inspect
import pathlib
import re
import types

# the order decides which page holds an object's entry: its home module first
MODULES = ["symgrad.gradient", "symgrad.printing", "symgrad.compile", "symgrad.tensor", "symgrad"]


def _ours(name) -> bool:
    return isinstance(name, str) and (name == "symgrad" or name.startswith("symgrad."))


def public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return sorted(names, key=str.lower)


def _summary(obj) -> str:
    """The docstring's first paragraph, on one line."""
    doc = (inspect.getdoc(obj) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def _escape(text: str) -> str:
    return re.sub(r"([*|_\\])", r"\\\1", text)


def page(module_name: str, seen: dict[int, str]) -> str:
    module = importlib.import_module(module_name)
    submodules, functions, classes, again = [], [], [], []
    instances: dict[type, list[str]] = {}
    for name in public_names(module):
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType):
            if _ours(obj.__name__):
                submodules.append((name, obj))
            continue
        routine_or_class = inspect.isclass(obj) or inspect.isroutine(obj)
        if routine_or_class and not _ours(getattr(obj, "__module__", None)):
            continue
        if not routine_or_class:
            if _ours(type(obj).__module__):
                instances.setdefault(type(obj), []).append(name)
            continue
        if id(obj) in seen:
            again.append((name, seen[id(obj)]))
            continue
        seen[id(obj)] = f"{module_name}.{name}"
        (classes if inspect.isclass(obj) else functions).append(name)

    out = []
    if submodules:
        out += ["Modules", "-------", ""]
        out += [f"- ``{obj.__name__}``: {_escape(_summary(obj))}" for _, obj in submodules]
        out.append("")
    if functions:
        out += ["Functions", "---------", ""]
        for name in functions:
            out += [f".. autofunction:: {module_name}.{name}", ""]
    if classes:
        out += ["Classes", "-------", ""]
        for name in classes:
            out += [f".. autoclass:: {module_name}.{name}", "   :members:", ""]
    if instances:
        out += ["Instances", "---------", "",
                "Values made once and used by name: each is an instance of the class named.", ""]
        for cls, names in sorted(instances.items(), key=lambda kv: kv[0].__name__):
            listed = ", ".join(f"``{n}``" for n in names)
            out += [f"- ``{cls.__module__}.{cls.__qualname__}``: {listed}", ""]
    if again:
        out += ["Also here", "---------", "",
                "Names this module re-exports, documented where they are defined:", ""]
        out += [f"- ``{name}``: :py:obj:`{target}`" for name, target in again]
        out.append("")
    return "\n".join(out)


def write_api(out: pathlib.Path) -> None:
    seen: dict[int, str] = {}
    for module_name in MODULES:
        (out / f"api_{module_name}.inc").write_text(page(module_name, seen))


_KEY = re.compile(r"^([A-Za-z_][\w.]*(?:, [A-Za-z_][\w.]*)*|\*\*?\w+): ")


def _escape_outside_code(line: str) -> str:
    # backticks are code (default_role); elsewhere a lone * or | would start markup
    parts = line.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"([*|])", r"\\\1", parts[i])
    return "`".join(parts) if len(parts) % 2 else line.replace("*", r"\*")


def plain_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    """Hanging indents join the line above; `key: meaning` lines become list items; `>>>`
    examples stay as they are, and indented blocks after a blank line become literal blocks."""
    result: list[str] = []
    in_list = in_block = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            result.append("")
            in_list = False
            continue
        if in_block and line.startswith(" "):
            result.append(line)
            continue
        if in_block:
            result.append("")  # docutils needs a blank line after a literal block
            in_block = False
        if stripped.startswith(">>>"):
            result.append(line)  # an example: left to docutils
            continue
        if line.startswith(" ") and (not result or not result[-1]):
            # an indented block after a blank line is code: show it as written
            result += ["::", "", line]
            in_block = True
            continue
        if line.startswith(" ") and result and result[-1]:
            result[-1] += " " + _escape_outside_code(stripped)
            continue
        # module docstrings say "In: ... Out: ..." in prose: no list there
        if what != "module" and _KEY.match(stripped) and result:
            if not in_list and result[-1]:
                result.append("")
            result.append("- " + _escape_outside_code(stripped))
            in_list = True
            continue
        if in_list:
            result.append("")
            in_list = False
        result.append(_escape_outside_code(stripped))
    lines[:] = result


def setup(app):
    app.connect("autodoc-process-docstring", plain_docstring)
    return {"parallel_read_safe": True, "version": "1"}
