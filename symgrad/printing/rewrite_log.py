"""The rewrite log: every replacement the optimizer made in one compiled function, as text.

`rewrite_log(f)` returns it; `config.optimizer_verbose = True` prints it when `f` is compiled.
Each entry is (rewrite name, expression before, expression after). Later rewrites change the
nodes an expression would be printed from, so each entry keeps a snapshot of the inputs of the
nodes it shows, taken at the replacement, and prints from it when first read. Texts are cut at
a few levels (`…` below) so logging stays cheap on large graphs.
"""
from __future__ import annotations

from collections import Counter

from symgrad.printing.pp import freeze, pp

TEXT_DEPTH = 4  # levels of the replaced expressions kept in each entry


class RewriteEntry:
    """One replacement: the rewrite's `name`, and the expressions `before` and `after` as text.

    The texts are printed when first read, from the snapshot taken at the replacement, so they
    show the graph as it was then."""

    __slots__ = ("_frozen", "_new", "_old", "_texts", "name")

    def __init__(self, name: str, old, new, frozen: dict) -> None:
        self.name = name
        self._old, self._new, self._frozen = old, new, frozen
        self._texts: tuple[str, str] | None = None

    def _text_pair(self) -> tuple[str, str]:
        if self._texts is None:
            self._texts = (_text(self._old, self._frozen), _text(self._new, self._frozen))
            self._old = self._new = self._frozen = None  # let the old nodes go
        return self._texts

    @property
    def before(self) -> str:
        return self._text_pair()[0]

    @property
    def after(self) -> str:
        return self._text_pair()[1]

    def __repr__(self) -> str:
        return f"RewriteEntry({self.name!r}, {self.before!r}, {self.after!r})"


def _text(var, frozen: dict) -> str:
    """pp text of `var`; an op whose printing fails must not stop the reading of the log."""
    try:
        return pp(var, TEXT_DEPTH, frozen)
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
        frozen: dict = {}
        freeze(var, TEXT_DEPTH, frozen)
        freeze(new_var, TEXT_DEPTH, frozen)
        self.entries.append(RewriteEntry(reason or "unnamed", var, new_var, frozen))

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
