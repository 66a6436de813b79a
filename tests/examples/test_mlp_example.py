"""examples/mlp.py learns the digits (`make test` installs the `examples` extra it needs)."""
import importlib.util
import pathlib


def test_mlp_example_learns_digits(capsys):
    path = pathlib.Path(__file__).parents[2] / "examples" / "mlp.py"
    spec = importlib.util.spec_from_file_location("mlp_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    accuracy = module.main(["--epochs", "6"])
    assert accuracy >= 0.93
    out = capsys.readouterr().out
    assert "epoch   6/6 [" in out and "test accuracy" in out
