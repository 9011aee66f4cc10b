"""Unit tests of the training section of helpers.py: fit, History, choose_epochs, long_runs."""

from __future__ import annotations

import pytest
import torch

import helpers


class FakeTrainer:
    """A stand-in for a student's train_epoch: records its calls, returns scripted values."""

    def __init__(self, perplexities=(9.0, 7.0, 6.0, 5.5, 5.0)):
        self.perplexities = list(perplexities)
        self.calls = []

    def __call__(self, net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
        batches = list(train_iter)
        self.calls.append(
            {
                "net": net,
                "batches": batches,
                "iter": train_iter,
                "loss_fn": loss_fn,
                "optimizer": optimizer,
                "use_random_iter": use_random_iter,
                "theta": theta,
                "device": device,
            }
        )
        return torch.tensor(self.perplexities[len(self.calls) - 1]), 1000.0 * len(self.calls)


@pytest.fixture(autouse=True)
def no_grading_no_long(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(helpers.LONG_RUN_ENV, raising=False)


def make_data():
    return [(torch.zeros(2, 3, dtype=torch.long), torch.ones(2, 3, dtype=torch.long))]


def test_fit_calls_train_epoch_once_per_epoch_with_a_fresh_iterable():
    trainer, net, optimizer = FakeTrainer(), object(), object()
    made = []

    def data():
        made.append(iter(make_data()))
        return made[-1]

    history = helpers.fit(
        trainer, net, data, optimizer, num_epochs=3, use_random_iter=True, theta=0.5, device="cpu", plot=False,
        verbose=False,
    )  # fmt: skip
    assert len(trainer.calls) == 3 and len(made) == 3
    assert [call["iter"] for call in trainer.calls] == made
    for call in trainer.calls:
        assert call["net"] is net and call["optimizer"] is optimizer
        assert call["use_random_iter"] is True and call["theta"] == 0.5 and call["device"] == "cpu"
        assert isinstance(call["loss_fn"], torch.nn.CrossEntropyLoss)
        assert len(call["batches"]) == 1
    assert history.epochs == [1, 2, 3]
    assert history.train_perplexity == [9.0, 7.0, 6.0]
    assert all(isinstance(value, float) for value in history.train_perplexity)
    assert history.tokens_per_second == [1000.0, 2000.0, 3000.0]
    assert history.mean_tokens_per_second == 2000.0
    assert history.final_train_perplexity == 6.0
    assert history.heldout == [] and history.final_heldout_perplexity is None
    assert history.seconds >= 0


def test_fit_passes_the_given_loss_and_reuses_a_list_of_batches():
    trainer, loss = FakeTrainer(), torch.nn.CrossEntropyLoss(reduction="mean")
    data = make_data()
    helpers.fit(trainer, None, data, None, num_epochs=2, loss_fn=loss, plot=False, verbose=False)
    assert [call["loss_fn"] for call in trainer.calls] == [loss, loss]
    assert all(call["batches"] == data for call in trainer.calls)


def test_fit_rejects_a_generator_and_bad_epochs():
    generator = (batch for batch in make_data())
    with pytest.raises(TypeError, match="exhausted after one epoch"):
        helpers.fit(FakeTrainer(), None, generator, None, num_epochs=2, plot=False)
    with pytest.raises(ValueError, match="num_epochs"):
        helpers.fit(FakeTrainer(), None, make_data, None, num_epochs=0, plot=False)


def test_fit_evaluates_every_eval_every_epochs_and_at_the_end():
    evaluated = []

    def evaluate(net):
        evaluated.append(net)
        return 10.0 - len(evaluated)

    net = object()
    history = helpers.fit(
        FakeTrainer(), net, make_data, None, num_epochs=5, evaluate=evaluate, eval_every=2, plot=False, verbose=False
    )
    assert evaluated == [net, net, net]
    assert history.heldout == [(2, 9.0), (4, 8.0), (5, 7.0)]
    assert history.final_heldout_perplexity == 7.0


def test_fit_prints_samples_and_a_summary(capsys):
    history = helpers.fit(
        FakeTrainer(), "net", make_data, None, num_epochs=5, sample=lambda net: f"text of {net}", sample_every=2,
        evaluate=lambda net: 4.0, plot=False,
    )  # fmt: skip
    assert history.samples == [(2, "text of net"), (4, "text of net"), (5, "text of net")]
    out = capsys.readouterr().out
    assert "epoch   2: 'text of net'" in out and "epoch   5: 'text of net'" in out
    assert "train perplexity 5.00, held-out perplexity 4.00" in out
    assert "tokens/s" in out


def test_fit_default_sampling_is_four_times_per_run_and_at_the_end():
    history = helpers.fit(FakeTrainer([5.0] * 10), None, make_data, None, num_epochs=10, sample=str, plot=False)
    assert [epoch for epoch, _ in history.samples] == [2, 4, 6, 8, 10]


def test_fit_verbose_false_prints_nothing(capsys):
    helpers.fit(FakeTrainer(), None, make_data, None, num_epochs=2, sample=str, plot=False, verbose=False)
    assert capsys.readouterr().out == ""


def test_fit_draws_into_a_given_live_plot():
    plot = helpers.LivePlot(legend=["a: train", "a: held-out", "b: train", "b: held-out"])
    helpers.fit(
        FakeTrainer(), None, make_data, None, num_epochs=3, evaluate=lambda net: 8.0, eval_every=2, plot=plot,
        lines=("b: train", "b: held-out"), verbose=False,
    )  # fmt: skip
    assert plot.data["a: train"] == [] and plot.data["a: held-out"] == []
    assert plot.data["b: train"] == [(1.0, 9.0), (2.0, 7.0), (3.0, 6.0)]
    assert plot.data["b: held-out"] == [(2.0, 8.0), (3.0, 8.0)]


def test_fit_own_plot_has_baselines_and_rejects_unknown_lines():
    helpers.fit(
        FakeTrainer(), None, make_data, None, num_epochs=2, evaluate=lambda net: 8.0,
        baselines={"bigram": 9.6, "trigram": 6.5}, title="t", verbose=False,
    )  # fmt: skip
    plot = helpers.LivePlot(legend=["train"])
    with pytest.raises(ValueError, match="no line named"):
        helpers.fit(FakeTrainer(), None, make_data, None, num_epochs=1, evaluate=lambda net: 8.0, plot=plot)
    with pytest.raises(ValueError, match="no line named"):
        helpers.fit(FakeTrainer(), None, make_data, None, num_epochs=1, plot=helpers.LivePlot(legend=["other"]))


def test_fit_without_evaluate_needs_only_the_train_line():
    plot = helpers.LivePlot(legend=["mine"], yscale="log")
    helpers.fit(FakeTrainer(), None, make_data, None, num_epochs=2, plot=plot, lines=("mine",), verbose=False)
    assert plot.data["mine"] == [(1.0, 9.0), (2.0, 7.0)]


def test_history_repr_summarises_the_run():
    history = helpers.fit(FakeTrainer(), None, make_data, None, num_epochs=2, evaluate=lambda net: 6.5, plot=False)
    text = repr(history)
    assert "epochs=2" in text and "train perplexity=7.00" in text and "held-out perplexity=6.50" in text
    assert repr(helpers.History()).startswith("History(epochs=0")


def test_choose_epochs_default_grading_and_long(monkeypatch):
    assert helpers.choose_epochs(8, grading=2, long=40) == 8
    monkeypatch.setenv(helpers.LONG_RUN_ENV, "1")
    assert helpers.long_runs()
    assert helpers.choose_epochs(8, grading=2, long=40) == 40
    assert helpers.choose_epochs(8, grading=2) == 8  # no long value: the default
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert not helpers.long_runs()  # grading always wins: autograding stays fast
    assert helpers.choose_epochs(8, grading=2, long=40) == 2
    assert helpers.choose_epochs(8, long=40) == 8
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv(helpers.LONG_RUN_ENV, "0")
    assert not helpers.long_runs() and helpers.choose_epochs(8, grading=2, long=40) == 8


def test_training_names_are_exported():
    for name in ("fit", "History", "choose_epochs", "long_runs", "LONG_RUN_ENV"):
        assert name in helpers.__all__
