"""Listeners attached to a FunctionGraph: a history of replacements, and validation."""
from __future__ import annotations


class ReplacementHistory:
    """Records each replacement as (reason, old, new), for optimizer_verbose and rewrite logs."""

    def __init__(self) -> None:
        self.entries: list[tuple[str | None, object, object]] = []

    def on_attach(self, fgraph) -> None:
        fgraph.history = self

    def on_replace(self, fgraph, var, new_var, reason) -> None:
        self.entries.append((reason, var, new_var))


class ReplaceValidator:
    """Refuses replacements that would make a graph output change type."""

    def on_change_input(self, fgraph, node, i, old, new, reason) -> None:
        if old.type != new.type:
            raise TypeError(f"{reason}: replacement of {old} changes its type "
                            f"{old.type} -> {new.type}")
