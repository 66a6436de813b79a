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
    captured = capsys.readouterr()
    assert "test accuracy" in captured.out
    # the tqdm bar (on stderr) reaches the last epoch and shows the loss and test accuracy
    last = captured.err.replace("\r", "\n").strip().splitlines()[-1]
    assert "6/6" in last and "loss=" in last and "test_acc=" in last
