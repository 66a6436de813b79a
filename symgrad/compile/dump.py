"""`function_dump`: save what a `function` call was given, to reproduce a problem elsewhere."""
from __future__ import annotations

import pickle

from symgrad.compile.saving import StripPickler


def function_dump(filename, inputs, outputs=None, mode=None, updates=None, givens=None,
                  no_default_updates=False, accept_inplace=False, name=None,
                  rebuild_strict=True, allow_input_downcast=None, profile=None,
                  on_unused_input=None, extra_tag_to_remove=None):
    """Pickle the arguments of `function(inputs, outputs, ...)` to `filename`; reload with
    `d = pickle.load(open(filename, 'rb'))` and call `function(**d)`. Build-site traces and
    test values (and the tags in extra_tag_to_remove) are left out of the file."""
    arguments = dict(inputs=inputs, outputs=outputs, mode=mode, updates=updates,
                     givens=givens, no_default_updates=no_default_updates,
                     accept_inplace=accept_inplace, name=name, rebuild_strict=rebuild_strict,
                     allow_input_downcast=allow_input_downcast, profile=profile,
                     on_unused_input=on_unused_input)
    with open(filename, "wb") as out:
        StripPickler(out, protocol=pickle.HIGHEST_PROTOCOL,
                     extra_tag_to_remove=extra_tag_to_remove).dump(arguments)
