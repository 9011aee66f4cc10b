"""The hand-written training step of the optional notebook (`train_epoch_bptt`, extras/going_fast) is exact.

Section 3 of extras/going_fast/going_fast.ipynb claims that `train_epoch_bptt` computes what 06's
`train_epoch` with autograd computes, only faster. These tests hold it to that, in-process on the
notebooks' own cells: the same gradients at every step (fresh states for the random sampler, carried
states for the sequential one), the same training trajectory under Adam, the same reported perplexity.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.grading.nbgrader_run import ROOT, notebook_definitions

CELLS_06 = ("setup", "samplers", "model", "clipping", "train_epoch")
VOCAB, HIDDENS, BATCH, STEPS = 28, 48, 4, 7


@pytest.fixture(scope="module")
def nb():
    """06's model and train_epoch (the reference), and the optional notebook's train_epoch_bptt."""
    threads = torch.get_num_threads()
    namespace = notebook_definitions("06_scratch_training", CELLS_06)
    fast = notebook_definitions("going_fast", ("setup", "bptt-step"), folder=ROOT / "extras")
    torch.set_num_threads(threads)  # the notebooks' setup cells pin one thread
    return {**namespace, "train_epoch_bptt": fast["train_epoch_bptt"]}


class RecordingSGD(torch.optim.SGD):
    """SGD that records the (clipped) gradients it is given at every step."""

    def __init__(self, params, lr=0.0):
        super().__init__(params, lr=lr)
        self.seen = []

    def step(self, closure=None):
        self.seen.append([p.grad.detach().clone() for group in self.param_groups for p in group["params"]])
        return super().step(closure)


def twin_models(nb, seed=0):
    torch.manual_seed(seed)
    net = nb["RNNModelScratch"](VOCAB, HIDDENS)
    with torch.no_grad():  # larger weights than the N(0, 0.01^2) start, so the state matters
        for param in net.params:
            param.normal_(0, 0.3)
    twin = nb["RNNModelScratch"](VOCAB, HIDDENS)
    with torch.no_grad():
        for mine, theirs in zip(twin.params, net.params):
            mine.copy_(theirs)
    return net, twin


def batches(count, seed=1):
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, VOCAB, (BATCH, count * STEPS + 1), generator=generator)
    return [(tokens[:, i : i + STEPS], tokens[:, i + 1 : i + STEPS + 1]) for i in range(0, count * STEPS, STEPS)]


@pytest.mark.parametrize("use_random_iter", [True, False], ids=["random-fresh-states", "sequential-carried-states"])
def test_gradients_equal_autograds_at_every_step(nb, use_random_iter):
    autograd_net, bptt_net = twin_models(nb)
    data = batches(3)
    by_autograd, by_hand = RecordingSGD(autograd_net.parameters()), RecordingSGD(bptt_net.parameters())
    ppl_autograd, _ = nb["train_epoch"](autograd_net, data, nn.CrossEntropyLoss(), by_autograd, use_random_iter, 1e9)
    ppl_hand, _ = nb["train_epoch_bptt"](bptt_net, data, None, by_hand, use_random_iter, 1e9)
    assert len(by_hand.seen) == len(by_autograd.seen) == 3
    for step, (theirs, mine) in enumerate(zip(by_autograd.seen, by_hand.seen)):
        for name, expected, actual in zip(["W_xh", "W_hh", "b_h", "W_hq", "b_q"], theirs, mine):
            scale = expected.abs().max().item()
            assert (actual - expected).abs().max().item() <= 1e-5 * scale + 1e-7, f"step {step}: d{name}"
    assert ppl_hand == pytest.approx(ppl_autograd, rel=1e-5)


def test_with_the_sequential_sampler_the_state_flows_into_the_next_minibatch(nb):
    """Carried states change the second minibatch's gradients: the test above is not vacuous."""
    fresh_net, carried_net = twin_models(nb)
    fresh, carried = RecordingSGD(fresh_net.parameters()), RecordingSGD(carried_net.parameters())
    data = batches(2)
    nb["train_epoch_bptt"](fresh_net, data, None, fresh, True, 1e9)
    nb["train_epoch_bptt"](carried_net, data, None, carried, False, 1e9)
    assert torch.equal(fresh.seen[0][1], carried.seen[0][1])
    assert not torch.allclose(fresh.seen[1][1], carried.seen[1][1], rtol=1e-3)


def test_training_trajectories_match_under_adam_and_clipping(nb):
    autograd_net, bptt_net = twin_models(nb, seed=3)
    data = batches(4, seed=4)
    optimizers = [torch.optim.Adam(net.parameters(), lr=0.01) for net in (autograd_net, bptt_net)]
    for _ in range(2):  # two epochs, clipping active (theta well below the gradient norms)
        ppl_autograd, _ = nb["train_epoch"](autograd_net, data, nn.CrossEntropyLoss(), optimizers[0], False, 0.5)
        ppl_hand, _ = nb["train_epoch_bptt"](bptt_net, data, None, optimizers[1], False, 0.5)
        assert ppl_hand == pytest.approx(ppl_autograd, rel=1e-4)
    for theirs, mine in zip(autograd_net.params, bptt_net.params):
        assert torch.allclose(mine, theirs, atol=1e-4), (mine - theirs).abs().max()
