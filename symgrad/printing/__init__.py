"""Reading graphs: `pp` (Theano's pretty printer), debugprint and drawing (pydotprint)."""
from symgrad.printing.debugprint import debugprint, dprint  # noqa: F401
from symgrad.printing.graphviz import pydotprint, to_digraph  # noqa: F401
from symgrad.printing.pp import assign_printer, pp, pprint  # noqa: F401
from symgrad.printing.print_op import Print, min_informative_str  # noqa: F401
from symgrad.printing.rewrite_log import RewriteLog, rewrite_log  # noqa: F401
