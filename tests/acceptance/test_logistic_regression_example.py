"""A short run of examples/logistic_regression.py: it trains, and agrees with numpy."""
import importlib.util
import pathlib

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "logistic_regression.py"


def test_short_run_of_the_example():
    spec = importlib.util.spec_from_file_location("logistic_regression", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--steps", "300", "--quiet"])
    assert result["weights_agree"]
    assert result["accuracy"] >= 0.99
    assert result["symgrad_step_s"] > 0 and result["numpy_step_s"] > 0
