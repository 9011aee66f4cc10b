"""Reference code of earlier assignments that going_fast builds on.

GENERATED FILE, DO NOT EDIT: `python -m tools.toolbox` (run by `make course`) writes it from the cells
marked `# @save` in the solution notebooks; edit those cells and regenerate. Grading uses the
course's own copy of this file, whatever a submission holds.

    init_rnn_params           02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_params
    init_rnn_state            02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_state
    rnn_step                  02_recurrence.ipynb, section "5. One step of the recurrence", cell rnn_step
    rnn_forward               02_recurrence.ipynb, section "6. A whole sequence", cell rnn_forward
    seq_data_iter_random      03_samplers.ipynb, section "3. Random sampling", cell seq_data_iter_random
    seq_data_iter_sequential  03_samplers.ipynb, section "4. Sequential partitioning", cell seq_data_iter_sequential
    grad_clipping             05_clipping.ipynb, section "3. Gradient clipping", cell grad_clipping
    rnn_forward_lookup        06_scratch_training.ipynb, section "1. The toolbox from earlier assignments (read-only)",
                              cell model
    RNNModelScratch           06_scratch_training.ipynb, section "1. The toolbox from earlier assignments (read-only)",
                              cell model
    predict                   06_scratch_training.ipynb, section "2. Generating text: warm-up, then prediction", cell
                              predict
"""

import math
import random

import torch
from torch import nn


# From 02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_params.
def init_rnn_params(vocab_size, num_hiddens, device=None):
    """Create the parameters of a one-layer RNN language model.

    Args:
        vocab_size: int, V (inputs and outputs are vectors over the vocabulary).
        num_hiddens: int, H, the size of the hidden state.
        device: torch.device or str or None (None: PyTorch's default device).

    Returns:
        list [W_xh, W_hh, b_h, W_hq, b_q] of float32 leaf tensors with requires_grad=True:
            W_xh: (V, H), W_hh: (H, H), W_hq: (H, V)  -- drawn from N(0, 0.01**2)
            b_h: (H,), b_q: (V,)                       -- zeros
    """
    W_xh = torch.randn(vocab_size, num_hiddens, device=device) * 0.01  # (V, H)
    W_hh = torch.randn(num_hiddens, num_hiddens, device=device) * 0.01  # (H, H)
    b_h = torch.zeros(num_hiddens, device=device)  # (H,)
    W_hq = torch.randn(num_hiddens, vocab_size, device=device) * 0.01  # (H, V)
    b_q = torch.zeros(vocab_size, device=device)  # (V,)
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


# From 02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_state.
def init_rnn_state(batch_size, num_hiddens, device=None):
    """The initial state of the RNN: all zeros.

    Args:
        batch_size: int, B.
        num_hiddens: int, H.
        device: torch.device or str or None (None: PyTorch's default device).

    Returns:
        tuple (H0,) with H0 a float32 tensor of zeros of shape (B, H).
    """
    return (torch.zeros((batch_size, num_hiddens), device=device),)  # (H0,), H0 of shape (B, H)


# From 02_recurrence.ipynb, section "5. One step of the recurrence", cell rnn_step.
def rnn_step(X_t, H_prev, params):
    """One time step of the RNN.

    Args:
        X_t: float tensor of shape (B, V), the one-hot tokens of this step.
        H_prev: tensor of shape (B, H), the state before this step.
        params: list [W_xh (V, H), W_hh (H, H), b_h (H,), W_hq (H, V), b_q (V,)].

    Returns:
        tuple (O_t, H_t):
            O_t: (B, V), the logits of this step, computed from the new state;
            H_t: (B, H), the new state, tanh(X_t @ W_xh + H_prev @ W_hh + b_h).
    """
    W_xh, W_hh, b_h, W_hq, b_q = params
    H_t = torch.tanh(X_t @ W_xh + H_prev @ W_hh + b_h)  # (B, H)
    O_t = H_t @ W_hq + b_q  # (B, V)
    return O_t, H_t


# From 02_recurrence.ipynb, section "6. A whole sequence", cell rnn_forward.
def rnn_forward(inputs, state, params):
    """Run the RNN over a whole minibatch of sequences.

    Args:
        inputs: float tensor of shape (T, B, V), time-major one-hot tokens; inputs[t] is X_t.
        state: tuple (H_0,) with H_0 of shape (B, H), the state before the first step.
        params: list [W_xh (V, H), W_hh (H, H), b_h (H,), W_hq (H, V), b_q (V,)].

    Returns:
        tuple (outputs, (H_T,)):
            outputs: (T * B, V), the logits O_1, ..., O_T concatenated along dim 0
                     (row t * B + b is step t of sequence b);
            (H_T,): tuple holding the state after the last step, shape (B, H).
    """
    (H_t,) = state  # (B, H): H_0 before the first step, then the state after each step
    outputs = []
    for X_t in inputs:  # X_t: (B, V)
        O_t, H_t = rnn_step(X_t, H_t, params)  # (B, V), (B, H)
        outputs.append(O_t)
    return torch.cat(outputs, dim=0), (H_t,)  # (T * B, V), (H_T,)


# From 03_samplers.ipynb, section "3. Random sampling", cell seq_data_iter_random.
def seq_data_iter_random(corpus, batch_size, num_steps):
    """Minibatches of random, non-overlapping subsequences (one epoch).

    Args:
        corpus: list of int token indices, length N.
        batch_size: int, B, subsequences per minibatch.
        num_steps: int, T, tokens per subsequence.

    Returns:
        a generator of (X, Y) pairs, one per minibatch:
            X: int64 tensor of shape (B, T), each row a subsequence corpus[j : j + T];
            Y: int64 tensor of shape (B, T), the same rows shifted by one: corpus[j + 1 : j + 1 + T].
        The start positions j are offset + k * T for a random offset in [0, T), in shuffled order;
        every minibatch is full (leftover subsequences are dropped).
    """
    offset = random.randint(0, num_steps - 1)
    num_subseqs = (len(corpus) - offset - 1) // num_steps  # -1: the last label needs one more token
    starts = [offset + k * num_steps for k in range(num_subseqs)]
    random.shuffle(starts)
    num_batches = num_subseqs // batch_size
    for k in range(num_batches):
        batch_starts = starts[k * batch_size : (k + 1) * batch_size]
        X = [corpus[j : j + num_steps] for j in batch_starts]
        Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch_starts]
        yield torch.tensor(X), torch.tensor(Y)  # (B, T) each, int64


# From 03_samplers.ipynb, section "4. Sequential partitioning", cell seq_data_iter_sequential.
def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """Minibatches read side by side from batch_size contiguous streams (one epoch).

    Args:
        corpus: list of int token indices, length N.
        batch_size: int, B, number of streams (rows of each minibatch).
        num_steps: int, T, tokens per row.

    Returns:
        a generator of (X, Y) pairs, one per minibatch, in order:
            X: int64 tensor of shape (B, T); row i of minibatch k + 1 continues row i of minibatch k;
            Y: int64 tensor of shape (B, T), the tokens one position after X in the corpus.
        The streams start after a random offset; every minibatch is full.
    """
    offset = random.randint(0, num_steps - 1)
    num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
    Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)  # (B, L)
    Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)  # (B, L)
    num_batches = Xs.shape[1] // num_steps
    for k in range(num_batches):
        columns = slice(k * num_steps, (k + 1) * num_steps)
        yield Xs[:, columns], Ys[:, columns]  # (B, T) each


# From 05_clipping.ipynb, section "3. Gradient clipping", cell grad_clipping.
def grad_clipping(net, theta):
    """Clip gradients by their global L2 norm, in place (written without clip_grad_norm_).

    Args:
        net: an nn.Module, an object with a .params list of tensors, or an iterable of tensors.
        theta: float > 0, the largest allowed global norm.

    Returns:
        float: the global norm sqrt(sum over parameters p of sum((p.grad) ** 2)) before clipping,
        over the parameters whose .grad is not None. If it exceeds theta, every such p.grad
        (shape of p) has been multiplied in place by theta / norm.
    """
    if isinstance(net, nn.Module):
        params = net.parameters()
    elif hasattr(net, "params"):
        params = net.params
    else:
        params = net
    grads = [param.grad for param in params if param.grad is not None]  # each of its parameter's shape
    norm = math.sqrt(sum(float((grad * grad).sum()) for grad in grads))
    if norm > theta:
        for grad in grads:
            grad.mul_(theta / norm)  # in place: the same tensor, the same shape
    return norm


# From 06_scratch_training.ipynb, section "1. The toolbox from earlier assignments (read-only)", cell model.
def rnn_forward_lookup(tokens, state, params):
    """Assignment 2's rnn_forward, computed from token indices instead of one-hot vectors.

    Args:
        tokens: int64 tensor (num_steps, batch_size), time-major token indices.
        state: tuple (H_0,), H_0 of shape (batch_size, num_hiddens), the state before the first step.
        params: [W_xh, W_hh, b_h, W_hq, b_q].

    Returns:
        (outputs, (H_T,)): outputs (num_steps * batch_size, vocab_size), concatenated over time;
        H_T (batch_size, num_hiddens), the last hidden state.
    """
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H_t,) = state  # (batch_size, num_hiddens): H_0, then the state after each step
    XW = W_xh[tokens] + b_h  # (num_steps, batch_size, num_hiddens): one_hot(tokens) @ W_xh, as a lookup
    hiddens = []
    for XW_t in XW:  # the recurrence: one step at a time
        H_t = torch.tanh(XW_t + H_t @ W_hh)  # (batch_size, num_hiddens)
        hiddens.append(H_t)
    outputs = torch.cat(hiddens) @ W_hq + b_q  # (num_steps * batch_size, vocab_size), all steps at once
    return outputs, (H_t,)


# From 06_scratch_training.ipynb, section "1. The toolbox from earlier assignments (read-only)", cell model.
class RNNModelScratch:
    """The from-scratch RNN language model with the course's calling convention."""

    def __init__(self, vocab_size, num_hiddens, device=None):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = init_rnn_params(vocab_size, num_hiddens, device)  # [W_xh (V, H), W_hh (H, H), b_h (H,), ...]

    def __call__(self, X, state):
        """X: (batch_size, num_steps) int64 -> (outputs (num_steps * batch_size, vocab_size), state)."""
        return rnn_forward_lookup(X.T, state, self.params)  # X.T: time-major

    def begin_state(self, batch_size=1, device=None):
        return init_rnn_state(batch_size, self.num_hiddens, device)  # (H_0,), H_0 of shape (batch_size, H)

    def parameters(self):
        """The parameter list, like nn.Module.parameters() (for optimizers)."""
        return iter(self.params)


# From 06_scratch_training.ipynb, section "2. Generating text: warm-up, then prediction", cell predict.
def predict(prefix, num_preds, net, vocab, device=None):
    """Generate text after prefix: warm up the state on the prefix, then greedy (argmax) decoding.

    Args:
        prefix: str, at least one character; every character is in vocab.
        num_preds: int, how many characters to generate.
        net: a model called as net(X, state) -> (outputs, state), X of shape (1, num_steps) int64,
            outputs of shape (num_steps, vocab_size); net.begin_state(batch_size, device) -> state.
        vocab: the Vocab mapping characters to indices (vocab[char]) and back (vocab.idx_to_token).
        device: where to create the input tensors (None: the CPU).

    Returns:
        str of length len(prefix) + num_preds: the prefix, then the generated characters.
    """
    state = net.begin_state(batch_size=1, device=device)  # a tensor or a tuple of tensors, for one sequence
    outputs = [vocab[prefix[0]]]  # token indices (ints), the prefix's first
    with torch.no_grad():
        for char in prefix[1:]:  # warm-up: update the state, ignore the predictions
            _, state = net(torch.tensor([[outputs[-1]]], device=device), state)  # X: (1, 1), one token
            outputs.append(vocab[char])
        for _ in range(num_preds):  # predict num_preds characters, each fed back
            Y, state = net(torch.tensor([[outputs[-1]]], device=device), state)  # Y: (1, vocab_size), logits
            outputs.append(int(Y[-1].argmax()))
    return "".join(vocab.idx_to_token[index] for index in outputs)
