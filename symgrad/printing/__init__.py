"""Reading graphs: `pp` (Theano's pretty printer), debugprint and drawing (pydotprint).

In: variables, FunctionGraphs or compiled functions (read by attribute, never imported from
symgrad.compile). Out: text (pp, debugprint), graphviz drawings and notebook displays (the
renderers it registers in `symgrad.graph.display`), and the rewrite log's report.
"""
from symgrad.printing import notebook  # noqa: F401  (registers the notebook displays)
from symgrad.printing.debugprint import debugprint, dprint  # noqa: F401
from symgrad.printing.graphviz import pydotprint, to_digraph  # noqa: F401
from symgrad.printing.pp import assign_printer, pp, pprint  # noqa: F401
from symgrad.printing.print_op import Print, min_informative_str  # noqa: F401
from symgrad.printing.rewrite_log import RewriteLog, rewrite_log  # noqa: F401
