"""The documentation build's own code (docs/_ext): the benchmark table reader behind the chart,
and the filter that turns plain-text docstrings into reStructuredText for the API pages."""
from __future__ import annotations

import pathlib
import sys

import pytest

EXT = pathlib.Path(__file__).resolve().parents[1] / "docs" / "_ext"
sys.path.insert(0, str(EXT))

import apipages  # noqa: E402
import figures  # noqa: E402

RESULTS = """\
# Later notes
### W1 something else
| implementation | median | ratio to symgrad FAST_RUN | notes |
| --- | ---: | ---: | --- |
| symgrad FAST_RUN | 9 us | 1.00 |  |

# symgrad benchmarks
## Results
### W1 tutorial grad, one call
| implementation | median | ratio to symgrad FAST_RUN | notes |
| --- | ---: | ---: | --- |
| symgrad FAST_RUN | 2.10 us | 1.00 |  |
| numpy (hand-written) | 0.05 us | 0.02 |  |
| PyTorch | - | - | failed |
### W2 a matrix, 10x10
| implementation | median | ratio to symgrad FAST_RUN | notes |
| --- | ---: | ---: | --- |
| symgrad FAST_RUN | 1 ms | 1.00 |  |
### W2 a matrix, 20x20
| implementation | median | ratio to symgrad FAST_RUN | notes |
| --- | ---: | ---: | --- |
| symgrad FAST_RUN | 4 ms | 1.00 |  |
| JAX (jit) | 1 ms | 2.5e-01 |  |
### Compile time W1: fresh process
| implementation | median | ratio to symgrad FAST_RUN cold | notes |
| --- | ---: | ---: | --- |
| symgrad FAST_RUN cold | 47 ms | 1.00 |  |

# An older run
## Results
### W3 never read
| implementation | median | ratio to symgrad FAST_RUN | notes |
| --- | ---: | ---: | --- |
| symgrad FAST_RUN | 1 ms | 1.00 |  |
"""


def test_read_results_takes_the_first_full_run_and_only_run_times():
    tables = figures.read_results(RESULTS)
    assert list(tables) == ["W1 tutorial grad, one call", "W2 a matrix, 10x10",
                            "W2 a matrix, 20x20"]
    # a row without a number (a failed run) is left out, not read as zero
    assert tables["W1 tutorial grad, one call"] == {"symgrad FAST_RUN": 1.0,
                                                    "numpy (hand-written)": 0.02}
    assert tables["W2 a matrix, 20x20"]["JAX (jit)"] == 0.25
    assert figures.short_labels(list(tables)) == ["W1", "W2\n10x10", "W2\n20x20"]


def test_the_committed_results_have_a_chart():
    tables = figures.read_results(figures.RESULTS.read_text())
    assert len(tables) >= 5
    assert all(t.get("symgrad FAST_RUN") == 1.0 for t in tables.values())


def _filtered(text: str, what: str = "function") -> list[str]:
    lines = text.splitlines()
    apipages.plain_docstring(None, what, "name", None, {}, lines)
    return lines


def test_plain_docstrings_become_lists_and_paragraphs():
    doc = """Compile a callable.

inputs: variables or In(...) specs;
    the call takes them by position or name.
outputs: a variable, or a list of *them*.
Returns the callable."""
    assert _filtered(doc) == [
        "Compile a callable.",
        "",
        "- inputs: variables or In(...) specs; the call takes them by position or name.",
        r"- outputs: a variable, or a list of \*them\*.",
        "",
        "Returns the callable.",
    ]


@pytest.mark.parametrize("what", ["module", "function"])
def test_code_and_examples_are_left_alone(what):
    doc = "Powers: `x ** 2` and x ** 2.\n\n>>> f(2)\narray(4.)"
    assert _filtered(doc, what) == [r"Powers: `x ** 2` and x \*\* 2.", "", ">>> f(2)",
                                    "array(4.)"]


def test_module_docstrings_keep_in_and_out_as_prose():
    doc = "Summary: a line.\n\nIn: graphs. Out: code.\nmore: prose."
    assert _filtered(doc, "module") == ["Summary: a line.", "", "In: graphs. Out: code.",
                                        "more: prose."]
    # elsewhere the same lines are a list; the summary line never is
    assert _filtered(doc, "function") == ["Summary: a line.", "", "- In: graphs. Out: code.",
                                          "- more: prose."]


def test_an_indented_block_after_a_blank_line_is_shown_as_code():
    doc = "Summary.\n\n    import symgrad as theano\n    f(4)  # array(8.)\nAfter."
    assert _filtered(doc, "module") == ["Summary.", "", "::", "", "    import symgrad as theano",
                                        "    f(4)  # array(8.)", "", "After."]
