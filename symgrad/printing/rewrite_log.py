"""The rewrite log: every replacement the optimizer made in one compiled function, as text.

`rewrite_log(f)` returns it. With `config.optimizer_verbose = True` the optimizer prints each
replacement as it happens, and the log's summary (counts per rewrite) follows per function.
Each entry is (rewrite name, expression before, expression after); the texts are taken when
the replacement happens, because later rewrites change the nodes they would be printed from.
Texts are cut at a few levels (`…` below) so logging stays cheap on large graphs.
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from symgrad.printing.pp import pp

TEXT_DEPTH = 3  # levels of the replaced expressions kept in each entry


class RewriteEntry(NamedTuple):
    name: str
    before: str
    after: str


def _text(var) -> str:
    """pp text of `var`; an op whose printing fails must not stop the compilation it logs."""
    try:
        return pp(var, TEXT_DEPTH)
    except Exception as exc:  # noqa: BLE001 - shown in the log instead
        return f"<{var.type}: not printable, {type(exc).__name__}: {exc}>"


class RewriteLog:
    """A FunctionGraph feature recording each replacement as a RewriteEntry."""

    def __init__(self, function_name: str | None = None) -> None:
        self.function_name = function_name
        self.entries: list[RewriteEntry] = []

    # --- FunctionGraph listener -----------------------------------------------------------
    def on_attach(self, fgraph) -> None:
        fgraph.rewrite_log = self

    def on_replace(self, fgraph, var, new_var, reason) -> None:
        self.entries.append(RewriteEntry(reason or "unnamed", _text(var), _text(new_var)))

    # --- reading ---------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Replacements per rewrite name, most used first."""
        return dict(Counter(e.name for e in self.entries).most_common())

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def summary(self) -> str:
        """The function's name, its number of replacements, and the count per rewrite."""
        title = f" of function {self.function_name!r}" if self.function_name else ""
        lines = [f"Rewrites{title}: {len(self.entries)} replacement(s)"]
        lines += [f"  {count:>5}  {name}" for name, count in self.counts().items()]
        return "\n".join(lines)

    def __str__(self) -> str:
        title = f" of function {self.function_name!r}" if self.function_name else ""
        lines = [f"Rewrites{title}: {len(self.entries)} replacement(s)"]
        for k, entry in enumerate(self.entries):
            lines.append(f"  {k:>3} {entry.name}: {entry.before}  ->  {entry.after}")
        if self.entries:
            lines.append("Summary (replacements per rewrite):")
            lines += [f"  {count:>5}  {name}" for name, count in self.counts().items()]
        return "\n".join(lines)

    __repr__ = __str__


def rewrite_log(obj) -> RewriteLog:
    """The rewrites applied while compiling `obj` (a compiled function or a FunctionGraph).

    A function made from an already optimised graph (a copy, an unpickled function) was not
    rewritten, and its log is empty.
    """
    maker = getattr(obj, "maker", None)
    fgraph = maker.fgraph if maker is not None else obj
    log = getattr(fgraph, "rewrite_log", None)
    if log is None:
        if not hasattr(fgraph, "apply_nodes"):
            raise TypeError(f"rewrite_log needs a compiled function or a FunctionGraph, got "
                            f"{type(obj).__name__}")
        return RewriteLog(getattr(obj, "name", None))
    return log
