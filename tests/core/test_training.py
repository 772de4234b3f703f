"""Training many epochs: records, resuming, what is noticed, the limits, and the knobs."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from tutor.core import playground as knobs
from tutor.core.epoch import run_epoch, train
from tutor.core.errors import UsageError
from tutor.core.network import MAX_WEIGHT_LAYERS, NetworkSpec
from tutor.core.training import (
    MAX_PLAY_EPOCHS,
    MAX_RUN_WORK,
    check_run,
    multiply_adds_per_epoch,
    run_training,
    training_epochs,
)

ARTICLE = NetworkSpec(lr=0.001)


def test_records_count_updates_and_agree_with_the_epoch_engine() -> None:
    records = list(training_epochs(ARTICLE, 5))
    assert [r.number for r in records] == list(range(6))
    assert [r.loss for r in records] == pytest.approx(train(ARTICLE, 5), rel=1e-13)
    epoch = run_epoch(ARTICLE)
    np.testing.assert_allclose(records[0].grads[1], epoch.grads[1], rtol=1e-13)
    np.testing.assert_allclose(records[1].weights[0], epoch.weights_after[0], rtol=1e-13)
    assert records[0].grad_norms[0] == pytest.approx(float(np.linalg.norm(epoch.grads[0])))


def test_records_cannot_be_changed_afterwards() -> None:
    record = next(training_epochs(ARTICLE, 1))
    with pytest.raises(ValueError):
        record.weights[0][0, 0] = 5.0
    with pytest.raises(ValueError):
        record.grads[0][0, 0] = 5.0


def test_resuming_from_any_record_gives_the_uninterrupted_run() -> None:
    whole = list(training_epochs(ARTICLE, 12))
    paused = list(training_epochs(ARTICLE, 4))
    rest = list(training_epochs(ARTICLE, 12, resume=paused[-1]))
    assert [r.number for r in rest] == list(range(5, 13))
    assert [r.loss for r in paused + rest] == [r.loss for r in whole]
    np.testing.assert_array_equal(rest[-1].weights[1], whole[-1].weights[1])


def test_resuming_with_other_settings_is_refused() -> None:
    record = list(training_epochs(ARTICLE, 2))[-1]
    with pytest.raises(UsageError, match="resumed"):
        next(training_epochs(replace(ARTICLE, lr=0.002), 5, resume=record))


def test_the_generator_is_lazy() -> None:
    # Each next() is one more pass; a screen can stop after any epoch.
    first_three = list(itertools.islice(training_epochs(ARTICLE, MAX_PLAY_EPOCHS), 3))
    assert [r.number for r in first_three] == [0, 1, 2]


def test_divergence_is_the_first_epoch_past_the_bound_and_training_stops_at_overflow() -> None:
    run = run_training(replace(ARTICLE, lr=0.05), 100)
    assert run.diverged_at == 3
    assert run.losses[2] < 1000 * run.losses[0] < run.losses[3]
    assert math.isinf(run.losses[-1]) and len(run.losses) == 5
    kinds = [(note.kind, note.epoch) for note in run.notes]
    assert kinds == [("diverged", 3), ("overflow", 4)]
    assert "loss became inf at epoch 4" in run.notes[1].text
    assert run.to_json()["loss"][-1] is None


def test_steady_training_notes_nothing() -> None:
    run = run_training(ARTICLE, 100)
    assert run.diverged_at is None and run.notes == ()
    assert run.losses[-1] < run.losses[0]


def test_weights_too_large_to_start_are_blamed_on_the_initialisation() -> None:
    run = run_training(replace(ARTICLE, init_scale=1e80), 10)
    assert run.diverged_at == 0 and len(run.losses) == 1
    (note,) = run.notes
    assert note.kind == "overflow" and "before any training" in note.text
    assert "init uniform × 1e+80" in note.text and note.lesson == "vanishing-gradients"


def test_exploding_gradients_are_named_and_then_blamed_for_the_divergence() -> None:
    spec = NetworkSpec(layers=(16,) * 9 + (1,), activations=("identity",) * 8, init_scale=10)
    run = run_training(spec, 5)
    exploded = run.notes[0]
    assert exploded.kind == "exploded" and exploded.epoch == 0
    assert "layers 1–8's gradients grew above 1e+08" in exploded.text
    assert exploded.lesson == "vanishing-gradients"
    later = [note for note in run.notes if note.kind in ("diverged", "overflow")]
    assert later and all("exploded gradients" in note.text for note in later)


def test_a_dead_relu_network_is_explained_by_its_relus() -> None:
    spec = NetworkSpec(
        layers=(10, 3, 4, 4, 4, 1), activations=("relu", "relu", "relu", "identity"), seed=7
    )
    run = run_training(spec, 3)
    (note,) = run.notes
    assert note.kind == "vanished" and note.layer == 1 and note.epoch == 0
    assert "ReLU that is off" in note.text


def test_small_weights_explain_a_vanishing_gradient_without_saturating_units() -> None:
    spec = NetworkSpec(layers=(10, 3, 4, 4, 4, 1), activations=("identity",) * 4, init_scale=0.001)
    note = run_training(spec, 1).notes[0]
    assert note.kind == "vanished" and "weights above it are small" in note.text
    assert "or init he/xavier" in note.text


def test_a_finished_run_is_not_called_vanishing() -> None:
    # Ŷ = X·W with one linear layer: gradient descent drives the loss to its least
    # value and the gradient to almost nothing, which is success, not a vanishing one.
    spec = NetworkSpec(layers=(10, 3, 1), activations=("identity",), lr=0.05, seed=1)
    run = run_training(spec, 2000)
    assert run.grad_norms[0][-1] < 1e-8
    assert all(note.kind != "vanished" for note in run.notes)


def test_the_work_limit_names_the_epochs_that_fit() -> None:
    big = NetworkSpec(layers=(1000, 784, 128, 10), activations=("relu", "identity"))
    per_epoch = multiply_adds_per_epoch(big)
    assert per_epoch == 2 * 1000 * 784 * 128 + 3 * 1000 * 128 * 10
    most = MAX_RUN_WORK // per_epoch - 1
    check_run(big, most)
    with pytest.raises(UsageError, match=f"train at most {most} epochs"):
        check_run(big, most + 1)


@pytest.mark.parametrize("epochs", [-1, MAX_PLAY_EPOCHS + 1, 2.5, True, "10"])
def test_epochs_out_of_range_are_refused(epochs) -> None:
    with pytest.raises(UsageError, match="epochs must be a whole number"):
        next(training_epochs(ARTICLE, epochs))


# -- the knobs ---------------------------------------------------------------------------


def test_rates_step_on_a_log_scale_and_stop_at_the_ends() -> None:
    assert knobs.step_rate(ARTICLE, 1).lr == 0.002
    assert knobs.step_rate(ARTICLE, -1).lr == 0.0005
    between = replace(ARTICLE, lr=0.03)
    assert knobs.step_rate(between, 1).lr == 0.05
    assert knobs.step_rate(between, -1).lr == 0.02
    top = replace(ARTICLE, lr=knobs.RATES[-1])
    assert knobs.step_rate(top, 1).lr == knobs.RATES[-1]


def test_layer_knobs_change_only_the_chosen_layer() -> None:
    spec = NetworkSpec(layers=(10, 3, 4, 6, 1), activations=("relu", "relu", "identity"))
    assert knobs.cycle_activation(spec, 2).activations == ("relu", "sigmoid", "identity")
    assert knobs.step_width(spec, 2, 1).layers == (10, 3, 4, 8, 1)
    assert knobs.step_width(spec, 1, -1).layers == (10, 3, 3, 6, 1)
    with pytest.raises(UsageError, match="output layer"):
        knobs.step_width(spec, 3, 1)


def test_depth_grows_before_the_output_and_is_bounded() -> None:
    spec = NetworkSpec(layers=(10, 3, 4, 1), activations=("tanh", "identity"))
    deeper = knobs.deeper(spec)
    assert deeper.layers == (10, 3, 4, 4, 1)
    assert deeper.activations == ("tanh", "tanh", "identity")
    assert knobs.shallower(deeper) == spec
    single = NetworkSpec(layers=(10, 3, 1), activations=("identity",))
    assert knobs.deeper(single).activations == ("relu", "identity")
    with pytest.raises(UsageError, match="fewest"):
        knobs.shallower(single)
    deepest = NetworkSpec(
        layers=(10,) + (4,) * MAX_WEIGHT_LAYERS + (1,),
        activations=("relu",) * (MAX_WEIGHT_LAYERS - 1) + ("identity",),
    )
    with pytest.raises(UsageError, match="most"):
        knobs.deeper(deepest)


def test_cycling_knobs_come_back_round() -> None:
    spec = ARTICLE
    for _ in range(3):
        spec = knobs.cycle_init(spec)
    assert spec.init == ARTICLE.init
    assert knobs.cycle_loss(ARTICLE).loss == "half-sse"
    assert knobs.next_seed(ARTICLE).seed == ARTICLE.seed + 1
