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


def _png_chunks(data):
    """(type, payload) per chunk, checking each chunk's CRC as a PNG reader does."""
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, payload = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        crc = int.from_bytes(data[pos + 8 + length:pos + 12 + length], "big")
        assert zlib.crc32(kind + payload) == crc, kind
        chunks.append((kind, payload))
        pos += 12 + length
    return chunks


def test_png_is_a_complete_image(tmp_path, dlogistic):
    import zlib

    _, gs = dlogistic
    out = pydotprint(gs, outfile=str(tmp_path / "g.png"), print_output_file=False)
    with open(out, "rb") as fh:
        data = fh.read()
    chunks = _png_chunks(data)
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    header = chunks[0][1]
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
    bit_depth, color = header[8], header[9]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    pixels = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    assert len(pixels) == height * (1 + (width * channels * bit_depth + 7) // 8)


def test_drawing_labels_of_the_unoptimised_gradient(tmp_path, dlogistic):
    _, gs = dlogistic
    out = pydotprint(gs, outfile=str(tmp_path / "g.svg"), print_output_file=False)
    root = ET.parse(out).getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]
    for label in ["Elemwise{exp,no_inplace}", "Elemwise{neg,no_inplace}",
                  "Elemwise{true_div,no_inplace}", "Sum{axis=[0, 1], acc_dtype=float64}",
                  "x", "TensorType(float64, matrix)"]:
        assert label in texts, label
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert len(titles) > 10  # one per drawn node and edge
