"""Reference code of earlier assignments that 07_concise_rnn builds on.

GENERATED FILE, DO NOT EDIT: `python -m tools.toolbox` (run by `make course`) writes it from the cells
marked `# @save` in the solution notebooks; edit those cells and regenerate. Grading uses the
course's own copy of this file, whatever a submission holds.

    init_rnn_params           02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_params
    init_rnn_state            02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_state
    seq_data_iter_sequential  03_samplers.ipynb, section "4. Sequential partitioning", cell seq_data_iter_sequential
    grad_clipping             05_clipping.ipynb, section "3. Gradient clipping", cell grad_clipping
    rnn_forward_lookup        06_scratch_training.ipynb, section "1. The toolbox from earlier assignments (read-only)",
                              cell model
    RNNModelScratch           06_scratch_training.ipynb, section "1. The toolbox from earlier assignments (read-only)",
                              cell model
    predict                   06_scratch_training.ipynb, section "2. Generating text: warm-up, then prediction", cell
                              predict
    train_epoch               06_scratch_training.ipynb, section "4. Training for one epoch", cell train_epoch
    evaluate_perplexity       06_scratch_training.ipynb, section "5. Held-out perplexity and the baselines of assignment
                              4", cell evaluate
    ngram_perplexity          06_scratch_training.ipynb, section "5. Held-out perplexity and the baselines of assignment
                              4", cell evaluate
"""

import math
import random

import torch
import torch.nn.functional as F
from torch import nn

import helpers


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


# From 06_scratch_training.ipynb, section "4. Training for one epoch", cell train_epoch.
def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
    """Train net for one epoch (one pass over train_iter) and measure it.

    Args:
        net: a model called as net(X, state) -> (outputs, state), with outputs of shape
            (num_steps * batch_size, vocab_size), time-major; net.begin_state(batch_size, device) -> state
            (a tensor or a tuple of tensors).
        train_iter: an iterable of minibatches (X, Y), int64 tensors of shape (batch_size, num_steps).
        loss_fn: the loss, called as loss_fn(outputs, targets) with targets of shape
            (num_steps * batch_size,): the mean cross-entropy (nn.CrossEntropyLoss()).
        optimizer: a torch.optim optimizer over the parameters of net.
        use_random_iter: True if train_iter is the random sampler (a fresh state for every minibatch),
            False for the sequential sampler (the state is carried over between minibatches, detached).
        theta: the gradient-clipping threshold, applied with grad_clipping(net, theta) before each step.
        device: where to move X and Y (None: leave them where they are).

    Returns:
        (perplexity, tokens_per_second): floats; perplexity = exp(mean cross-entropy over all the target
        tokens of the epoch), tokens_per_second = number of target tokens / seconds the epoch took.
    """
    state, timer = None, helpers.Timer()
    total_loss, total_tokens = 0.0, 0
    timer.start()
    for X, Y in train_iter:  # (batch_size, num_steps) each
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0], device=device)  # fresh: zeros
        elif isinstance(state, tuple):
            state = tuple(s.detach() for s in state)  # the same values and shapes, cut from the graph
        else:
            state = state.detach()  # the same values and shape, cut from the graph
        X, Y = X.to(device), Y.to(device)  # (batch_size, num_steps) each
        y = Y.T.reshape(-1)  # (num_steps * batch_size,): time-major, like the outputs
        outputs, state = net(X, state)  # outputs: (num_steps * batch_size, vocab_size)
        loss = loss_fn(outputs, y)  # (): the mean cross-entropy of the minibatch
        optimizer.zero_grad()
        loss.backward()
        grad_clipping(net, theta)
        optimizer.step()
        total_loss += loss.item() * y.numel()
        total_tokens += y.numel()
    return math.exp(total_loss / total_tokens), total_tokens / timer.stop()


# From 06_scratch_training.ipynb, section "5. Held-out perplexity and the baselines of assignment 4", cell evaluate.
def evaluate_perplexity(net, corpus, batch_size=16, num_steps=64, device=None):
    """Perplexity of net's next-token predictions over the token stream corpus (e.g. the held-out split)."""
    num_tokens = (len(corpus) - 1) // batch_size * batch_size
    Xs = torch.tensor(corpus[:num_tokens], device=device).reshape(batch_size, -1)  # (batch_size, L): contiguous streams
    Ys = torch.tensor(corpus[1 : num_tokens + 1], device=device).reshape(batch_size, -1)  # (batch_size, L): next tokens
    state, total_loss = net.begin_state(batch_size=batch_size, device=device), 0.0
    with torch.no_grad():
        for i in range(0, Xs.shape[1], num_steps):
            outputs, state = net(Xs[:, i : i + num_steps], state)  # (num_steps * batch_size, vocab_size)
            total_loss += F.cross_entropy(outputs, Ys[:, i : i + num_steps].T.reshape(-1), reduction="sum").item()
    return math.exp(total_loss / Ys.numel())


# From 06_scratch_training.ipynb, section "5. Held-out perplexity and the baselines of assignment 4", cell evaluate.
def ngram_perplexity(train_tokens, test_tokens, vocab_size, n):
    """Held-out perplexity of the add-one smoothed n-gram model (assignment 4; n = 1, 2, 3)."""
    context_counts, ngram_counts = {}, {}
    for t in range(n - 1, len(train_tokens)):
        context, ngram = tuple(train_tokens[t - n + 1 : t]), tuple(train_tokens[t - n + 1 : t + 1])
        context_counts[context] = context_counts.get(context, 0) + 1
        ngram_counts[ngram] = ngram_counts.get(ngram, 0) + 1
    total = 0.0
    for t in range(n - 1, len(test_tokens)):
        context, ngram = tuple(test_tokens[t - n + 1 : t]), tuple(test_tokens[t - n + 1 : t + 1])
        total -= math.log((ngram_counts.get(ngram, 0) + 1) / (context_counts.get(context, 0) + vocab_size))
    return math.exp(total / (len(test_tokens) - n + 1))
