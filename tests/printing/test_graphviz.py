"""Drawing the dlogistic gradient to real PNG and SVG files, and notebook displays."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function
from symgrad.printing import pydotprint


@pytest.fixture
def dlogistic():
    x = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-x)))
    return x, T.grad(s, x)


def test_png_of_the_gradient(tmp_path, dlogistic):
    _, gs = dlogistic
    out = pydotprint(gs, outfile=str(tmp_path / "g.png"), print_output_file=False)
    data = open(out, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 50 and height > 100


def test_svg_has_the_expected_labels(tmp_path, dlogistic):
    x, gs = dlogistic
    f = function([x], gs, mode="FAST_COMPILE")
    out = pydotprint(f, outfile=str(tmp_path / "g.svg"), print_output_file=False)
    root = ET.parse(out).getroot()
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text}
    assert "x" in texts
    assert any("exp" in t for t in texts)
    assert any("TensorType(float64, matrix)" in t for t in texts)


def test_notebook_display(dlogistic):
    x, gs = dlogistic
    svg = gs._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg

    class Printer:
        def __init__(self):
            self.parts = []

        def text(self, s):
            self.parts.append(s)

    p = Printer()
    (x * 2)._repr_pretty_(p, False)
    assert p.parts == ["(x * 2)"]
    np.testing.assert_allclose(function([x], gs)([[0.0]]), [[0.25]])
