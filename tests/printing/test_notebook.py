"""Notebook displays of variables and compiled functions, with and without graphviz."""
import symgrad.tensor as T
from symgrad import function
from symgrad.printing import graphviz


class Pretty:
    """Stands for IPython's pretty printer."""

    def __init__(self):
        self.parts = []

    def text(self, s):
        self.parts.append(s)


def _compiled():
    x, y = T.dvectors("x", "y")
    return x, y, function([x, y], (x > y) * T.exp(x), name="gate")


def test_a_compiled_function_shows_its_optimised_graph():
    *_, f = _compiled()
    svg = f._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "Composite" in svg
    page = f._repr_html_()
    assert page.startswith("<div><b>symgrad.Function &#x27;gate&#x27;(x, y): 1 node(s)")
    assert "<svg" in page and "<?xml" not in page
    p = Pretty()
    f._repr_pretty_(p, False)
    assert p.parts == ["<symgrad.Function 'gate'(x, y): 1 node(s) after rewriting>\n"
                       + graphviz.text_of(f)]


def test_without_graphviz_the_html_shows_the_pp_text(monkeypatch):
    x, y, f = _compiled()
    monkeypatch.setattr(graphviz.shutil, "which", lambda name: None)
    assert f._repr_svg_() is None and (x > y)._repr_svg_() is None
    assert (x > y)._repr_html_() == "<pre>gt(x, y)</pre>"
    page = f._repr_html_()
    assert "<svg" not in page and "<pre>" in page and "&gt;" in page


def test_a_variable_html_embeds_the_drawing():
    x, y, _ = _compiled()
    page = (x + y)._repr_html_()
    assert page.startswith("<div><svg") and "add" in page
