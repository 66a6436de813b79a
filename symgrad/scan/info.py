"""ScanInfo: the layout of a loop's inputs and outputs (kinds, counts and taps).

In: what `scan()` learnt from the user's arguments. Out: one frozen record the op, its gradient,
its rewrites and its kernels read positions from.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScanInfo:
    """The loop's layout: how many inputs and outputs of each kind, and their taps."""

    seq_taps: tuple[tuple[int, ...], ...]
    seq_reversed: tuple[bool, ...]           # read from the last step's rows backwards
    rec_taps: tuple[tuple[int, ...], ...]    # negative offsets into past outputs
    n_per_step: int
    n_opaque: int
    n_non_seqs: int
    as_while: bool = False
    truncate_gradient: int = -1
    name: str | None = None
    # per recurrent output: return only the last row (its earlier rows are not kept)
    rec_keep_last: tuple[bool, ...] = ()

    @property
    def n_seqs(self) -> int:
        return len(self.seq_taps)

    @property
    def n_rec(self) -> int:
        return len(self.rec_taps)

    def rec_lookback(self, r: int) -> int:
        return -min(self.rec_taps[r])

    def keeps_last_only(self, r: int) -> bool:
        return bool(self.rec_keep_last) and self.rec_keep_last[r]

    def outer_input_slices(self) -> dict[str, slice]:
        """Where each kind sits among the outer inputs."""
        out, pos = {}, 1  # input 0 is n_steps
        for name, n in (("seqs", self.n_seqs), ("rec", self.n_rec), ("opaque", self.n_opaque),
                        ("non_seqs", self.n_non_seqs)):
            out[name] = slice(pos, pos + n)
            pos += n
        return out

    def inner_input_counts(self) -> tuple[int, int, int, int]:
        return (sum(len(t) for t in self.seq_taps), sum(len(t) for t in self.rec_taps),
                self.n_opaque, self.n_non_seqs)
