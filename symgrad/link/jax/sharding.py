"""Data parallelism for the JAX linker: `Mode(linker='jax', sharding=...)`.

`sharding` is one of
  'data'                  every device JAX sees, in one mesh axis named 'data';
  a jax.sharding.Mesh     its first axis is the batch axis;
  DataParallel(mesh, axis_name=None, batch_axis=0)
                          the same, spelled out.
The explicit (non-shared) inputs with at least one dimension are split over the devices along
`batch_axis` (its length must divide evenly); shared variables, scalars and random keys are
replicated, and every output comes back replicated. XLA inserts the cross-device sums a
gradient over the batch needs, so an SGD step gives the parameters one device would.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


@dataclass(frozen=True)
class DataParallel:
    """Split the batch axis of the explicit inputs over `mesh`'s axis `axis_name`."""

    mesh: Mesh
    axis_name: str | None = None
    batch_axis: int = 0

    @property
    def axis(self) -> str:
        return self.axis_name or self.mesh.axis_names[0]

    def input_sharding(self, var, batched: bool) -> NamedSharding:
        ndim = getattr(var.type, "ndim", 0) or 0
        if not batched or ndim <= self.batch_axis:
            return NamedSharding(self.mesh, PartitionSpec())
        spec = [None] * ndim
        spec[self.batch_axis] = self.axis
        return NamedSharding(self.mesh, PartitionSpec(*spec))

    def jit_options(self, fgraph, dynamic: list[int], batch_inputs: set[int]) -> dict:
        replicated = NamedSharding(self.mesh, PartitionSpec())
        ins = tuple(self.input_sharding(fgraph.inputs[k], k in batch_inputs) for k in dynamic)
        outs = tuple(replicated for _ in fgraph.outputs)
        return {"in_shardings": ins, "out_shardings": outs}


def as_data_parallel(sharding) -> DataParallel | None:
    """The DataParallel a Mode's `sharding` argument stands for (None: one device)."""
    if sharding is None or isinstance(sharding, DataParallel):
        return sharding
    if isinstance(sharding, str):
        if sharding != "data":
            raise ValueError(f"sharding={sharding!r}: use 'data', a jax.sharding.Mesh or a "
                             "DataParallel")
        return DataParallel(Mesh(np.array(jax.devices()), ("data",)))
    if isinstance(sharding, Mesh):
        return DataParallel(sharding)
    raise TypeError(f"sharding must be 'data', a jax.sharding.Mesh or a DataParallel, got "
                    f"{type(sharding).__name__}")
