"""Random variables: ops that draw from a numpy generator state passed in as an input.

type.py (generator-state types), op.py (RandomVariable), basic.py (the distributions),
utils.py (RandomStream: generator states held in shared variables, seeded reproducibly).
"""
