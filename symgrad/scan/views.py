"""map, reduce, foldl, foldr: common loops written with scan."""
from __future__ import annotations

from symgrad.scan.basic import scan


def map(fn, sequences, non_sequences=None, truncate_gradient: int = -1,
        go_backwards: bool = False, mode=None, name: str | None = None):
    """fn applied to every row of the sequences; returns (outputs, updates)."""
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode,
                name=name)


def reduce(fn, sequences, outputs_info, non_sequences=None, go_backwards: bool = False,
           mode=None, name: str | None = None):
    """Fold the sequences into outputs_info with fn(row..., accumulated..., non_seqs...);
    returns (final values, updates)."""
    results, updates = scan(fn, sequences=sequences, outputs_info=outputs_info,
                            non_sequences=non_sequences, go_backwards=go_backwards, mode=mode,
                            name=name, return_list=True)
    finals = [r[-1] for r in results]
    single = not isinstance(outputs_info, (list, tuple))
    return (finals[0] if single and len(finals) == 1 else finals), updates


def foldl(fn, sequences, outputs_info, non_sequences=None, mode=None, name: str | None = None):
    """reduce from the first row to the last."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=False, mode=mode,
                  name=name)


def foldr(fn, sequences, outputs_info, non_sequences=None, mode=None, name: str | None = None):
    """reduce from the last row to the first."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=True, mode=mode,
                  name=name)
