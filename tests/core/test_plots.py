"""The numbers behind plots, and the network an epoch block describes (no UI)."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.core.epoch import run_epoch, train
from tutor.core.errors import TutorError, UsageError
from tutor.core.network import NetworkSpec
from tutor.core.plots import (
    FunctionPlot,
    GradientDepthPlot,
    LossCurvePlot,
    function_samples,
    gradient_depth,
    loss_curve,
    plot_data,
    spec_from_options,
)

# -- spec_from_options ---------------------------------------------------------------------


def test_an_empty_block_is_the_article_network_with_tutor_epochs_defaults() -> None:
    spec = spec_from_options({})
    assert spec == NetworkSpec(layers=(10, 3, 4, 1), activations=("square", "cube"), lr=0.01)


def test_the_readme_epoch_block_becomes_its_spec() -> None:
    options = {
        "layers": [10, 3, 4, 1],
        "act": ["square", "cube"],
        "loss": "sse",
        "lr": 0.001,
        "seed": 0,
        "epochs": 5,
    }
    spec = spec_from_options(options)
    assert spec.layers == (10, 3, 4, 1) and spec.activations == ("square", "cube")
    assert spec.lr == 0.001 and spec.seed == 0 and spec.loss == "sse"


def test_comma_text_works_as_on_the_command_line() -> None:
    spec = spec_from_options({"layers": "8, 5, 6, 2", "act": "relu,identity", "lr": "1e-3"})
    assert spec.layers == (8, 5, 6, 2)
    assert spec.activations == ("relu", "identity") and spec.lr == 0.001


def test_activations_default_by_depth_like_the_engine() -> None:
    assert spec_from_options({"layers": [6, 3, 5, 5, 1]}).activations == (
        "relu",
        "relu",
        "identity",
    )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"layers": [10, 3, 4, 1], "act": ["relu"]}, "activation"),
        ({"layers": [10, 3, 4, 1], "act": ["square", "softmax"]}, "softmax"),
        ({"layers": [10, 3.5, 4, 1]}, "whole numbers"),
        ({"layers": 7}, "whole numbers"),
        ({"lr": "fast"}, "lr"),
        ({"lr": -1}, "learning rate"),
        ({"loss": "hinge"}, "hinge"),
        ({"layers": [10, 0, 4, 1]}, "from 1"),
    ],
)
def test_bad_options_are_usage_errors_that_name_the_problem(options, words) -> None:
    with pytest.raises(UsageError, match=words):
        spec_from_options(options)


# -- function plots ---------------------------------------------------------------------------


def test_relu_plot_is_the_ramp_and_its_slope_the_step() -> None:
    plot = function_samples("relu(x)", -3, 3, count=121)
    assert np.array_equal(plot.y, np.maximum(plot.x, 0))
    left, right = plot.x < -1e-3, plot.x > 1e-3
    assert np.all(plot.slope[left] == pytest.approx(0.0))
    assert np.allclose(plot.slope[right], 1.0)
    assert left.sum() + right.sum() >= 120


def test_the_slope_of_a_polynomial_is_its_derivative() -> None:
    plot = function_samples("(3 - 2*x)**2 + (1 - x)**2", -1, 3)
    exact = -4 * (3 - 2 * plot.x) - 2 * (1 - plot.x)
    assert np.allclose(plot.slope, exact, atol=1e-4)


def test_a_constant_expression_is_a_flat_line() -> None:
    plot = function_samples("2", 0, 1, count=11)
    assert np.all(plot.y == 2.0) and np.allclose(plot.slope, 0.0)


@pytest.mark.parametrize("expr", ["__import__('os')", "x.__class__", "open('f')", "x @ x", ""])
def test_expressions_go_through_the_restricted_evaluator(expr: str) -> None:
    with pytest.raises(TutorError):
        function_samples(expr, -1, 1)


# -- gradient norms against depth ---------------------------------------------------------------


def test_sigmoid_gradients_vanish_towards_the_input_and_relu_ones_do_not() -> None:
    plot = gradient_depth(["sigmoid", "relu"], depth=10, width=16)
    sigmoid, relu = plot.norms["sigmoid"], plot.norms["relu"]
    assert len(sigmoid) == len(relu) == 10
    assert sigmoid[0] < 1e-3 * sigmoid[-1]
    assert 1e-2 < relu[0] / relu[-1] < 1e2
    assert all(np.isfinite(sigmoid)) and all(np.isfinite(relu))


def test_gradient_depth_is_seeded() -> None:
    first = gradient_depth(["tanh"], depth=4, width=5, seed=3)
    assert first == gradient_depth(["tanh"], depth=4, width=5, seed=3)
    assert first != gradient_depth(["tanh"], depth=4, width=5, seed=4)


def test_an_unknown_activation_in_a_depth_plot_is_refused() -> None:
    with pytest.raises(UsageError, match="softplus"):
        gradient_depth(["softplus"], depth=3, width=4)


# -- loss curves -------------------------------------------------------------------------------


def test_loss_curve_is_the_engines_training_run() -> None:
    spec = spec_from_options({"layers": [10, 3, 4, 1], "act": ["square", "cube"], "lr": 0.001})
    plot = loss_curve(spec, 30)
    assert len(plot.losses) == 31
    assert list(plot.losses) == train(spec, 30)
    assert plot.losses[0] == run_epoch(spec).loss
    assert plot.losses[-1] < plot.losses[0]


# -- plot blocks --------------------------------------------------------------------------------


def test_each_plot_kind_gives_its_data() -> None:
    assert isinstance(plot_data({"kind": "function", "expr": "relu(x)"}), FunctionPlot)
    depth = plot_data(
        {"kind": "gradient-depth", "acts": ["sigmoid", "relu"], "depth": 5, "width": 4}
    )
    assert isinstance(depth, GradientDepthPlot) and depth.depth == 5
    assert list(depth.norms) == ["sigmoid", "relu"]
    curve = plot_data(
        {
            "kind": "loss-curve",
            "layers": [10, 3, 4, 1],
            "act": ["square", "cube"],
            "lr": 0.001,
            "epochs": 7,
        }
    )
    assert isinstance(curve, LossCurvePlot) and len(curve.losses) == 8


def test_function_plot_takes_its_range() -> None:
    plot = plot_data({"kind": "function", "expr": "x**2", "range": [-1, 2]})
    assert plot.x[0] == -1 and plot.x[-1] == 2


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"kind": "pie"}, "plot kind"),
        ({"kind": "function", "expr": "x", "range": [2, 1]}, "low < high"),
        ({"kind": "function", "expr": "x", "range": [0]}, "range"),
        ({"kind": "gradient-depth", "depth": 40}, "depth"),
        ({"kind": "loss-curve", "epochs": 0}, "epochs"),
    ],
)
def test_bad_plot_options_are_refused(options, words) -> None:
    with pytest.raises(UsageError, match=words):
        plot_data(options)
