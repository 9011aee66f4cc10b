"""Synthetic students of 06_scratch_training: correct alternatives and classic mistakes.

The tests of each graded function call that function only (the predict tests use
toy models and their own reference, the train_epoch tests their own models and a
recording optimizer), so a student can carry one mistake in each of `predict`,
`sample_next` and `train_epoch`. The demo cells (generate, fit) call the
student's functions but are not graded; a broken function only makes them fail.

Perplexity bound of `test_train_epoch_bound` (128 hidden units, Adam lr 0.01,
4 epochs over the first 20,000 training tokens, minibatches 16 x 32, perplexity
measured on those tokens), seeds 0-5: reference 7.04-7.28 (sequential) and
7.25-7.59 (random) against the bound 8.5; targets not transposed 17.1-17.6 and
no zero_grad 17.4-25.2 fail it (the hidden part of the test cell says the same).

A monotone transform of the loss (`loss * 3`, `loss ** 2`, a sum over the tokens)
trains about as well as the mean: gradient clipping (theta = 1) and Adam hide a
positive rescaling of the gradient, so those students pass `test_train_epoch_bound`
and `test_train_epoch_clipping`. The hidden part of `test_train_epoch_zero_grad`
compares the gradient each step of plain SGD sees (theta = 1e9) with autograd's
gradient of the mean cross-entropy, with both samplers. `torch.log(loss)` makes
the gradient small enough to stay below theta in the clipping test as well, so it
would lose that cell too (checked by hand; no student carries it).
"""

from tests.grading.cases import Impl

P_FORMAT, P_SHORT = "test_predict_format", "test_predict_short_prefix"
P_GREEDY, P_WARMUP = "test_predict_greedy", "test_predict_warmup"
S_ARGMAX, S_INT = "test_sample_next_argmax", "test_sample_next_returns_int"
S_DIST, S_GEN = "test_sample_next_distribution", "test_sample_next_generator"
T_RETURNS, T_STATE, T_TENSOR_STATE, T_PPL, T_ZERO, T_CLIP, T_BOUND = (
    "test_train_epoch_returns",
    "test_train_epoch_state",
    "test_train_epoch_tensor_state",
    "test_train_epoch_perplexity",
    "test_train_epoch_zero_grad",
    "test_train_epoch_clipping",
    "test_train_epoch_bound",
)

IMPLEMENTATIONS = {
    "predict": {
        # --- correct alternatives: full marks ---------------------------------
        "whole_prefix_at_once": Impl(  # one call for the whole prefix, the first prediction from its last output
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                state = net.begin_state(batch_size=1, device=device)
                X = torch.tensor([vocab[list(prefix)]], device=device)  # (1, len(prefix))
                outputs, state = net(X, state)
                text = prefix
                for _ in range(num_preds):
                    index = outputs[-1].argmax().item()
                    text += vocab.to_tokens(index)
                    outputs, state = net(torch.tensor([[index]], device=device), state)
                return text
            """
        ),
        "loop_with_indices": Impl(  # D2L's loop, written with a list of indices and no no_grad
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                indices = vocab[list(prefix)]
                state = net.begin_state(batch_size=1, device=device)
                for index in indices[:-1]:
                    _, state = net(torch.tensor(index, device=device).reshape(1, 1), state)
                for _ in range(num_preds):
                    outputs, state = net(torch.tensor(indices[-1], device=device).reshape(1, 1), state)
                    indices.append(int(torch.argmax(outputs, dim=1).reshape(-1)[-1]))
                return "".join(vocab.to_tokens(indices))
            """
        ),
        # --- classic mistakes ---------------------------------------------------
        "no_warmup": Impl(  # starts from a fresh state on the last character only
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                state = net.begin_state(batch_size=1, device=device)
                outputs = [vocab[prefix[-1]]]
                for _ in range(num_preds):
                    Y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(int(Y.argmax(dim=1)[-1]))
                return prefix + "".join(vocab.to_tokens(outputs[1:]))
            """,
            loses={P_WARMUP},
            diagnosis="no_warmup",
        ),
        "reset_during_warmup": Impl(  # a fresh state for every prefix character
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                outputs = [vocab[prefix[0]]]
                for char in prefix[1:]:
                    state = net.begin_state(batch_size=1, device=device)
                    _, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(vocab[char])
                state = net.begin_state(batch_size=1, device=device)
                for _ in range(num_preds):
                    Y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(int(Y.argmax(dim=1)[-1]))
                return "".join(vocab.to_tokens(outputs))
            """,
            loses={P_WARMUP},
            diagnosis="state_reset",
        ),
        "prefix_dropped": Impl(  # returns the generated characters only
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                state = net.begin_state(batch_size=1, device=device)
                outputs = [vocab[prefix[0]]]
                for char in prefix[1:]:
                    _, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(vocab[char])
                for _ in range(num_preds):
                    Y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(int(Y.argmax(dim=1)[-1]))
                return "".join(vocab.to_tokens(outputs[len(prefix) :]))
            """,
            loses={P_FORMAT, P_SHORT, P_GREEDY, P_WARMUP},
            diagnosis="prefix_dropped",
        ),
        "one_short": Impl(  # range(num_preds - 1): one character missing
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                state = net.begin_state(batch_size=1, device=device)
                outputs = [vocab[prefix[0]]]
                for char in prefix[1:]:
                    _, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(vocab[char])
                for _ in range(num_preds - 1):
                    Y, state = net(torch.tensor([[outputs[-1]]], device=device), state)
                    outputs.append(int(Y.argmax(dim=1)[-1]))
                return "".join(vocab.to_tokens(outputs))
            """,
            loses={P_FORMAT, P_SHORT, P_GREEDY, P_WARMUP},
            diagnosis="one_short",
        ),
        "warmup_call_crashes_on_one_char": Impl(  # one feature missing: the warm-up is one call on prefix[:-1],
            # an empty (1, 0) input for a one-character prefix, which the model cannot run. Loses that cell only.
            """
            def predict(prefix, num_preds, net, vocab, device=None):
                state = net.begin_state(batch_size=1, device=device)
                with torch.no_grad():
                    _, state = net(torch.tensor([vocab[list(prefix[:-1])]], device=device), state)
                    indices = [vocab[prefix[-1]]]
                    for _ in range(num_preds):
                        Y, state = net(torch.tensor([[indices[-1]]], device=device), state)
                        indices.append(int(Y[-1].argmax()))
                return prefix[:-1] + "".join(vocab.to_tokens(indices))
            """,
            loses={P_SHORT},
            diagnosis="empty_warmup_crashes",
        ),
    },
    "sample_next": {
        # --- correct alternatives -------------------------------------------------
        "gumbel_max": Impl(  # argmax(logits / T + Gumbel noise) is a sample of softmax(logits / T)
            """
            def sample_next(logits, temperature, generator=None):
                if temperature == 0:
                    return int(torch.argmax(logits))
                uniform = torch.rand(logits.shape, generator=generator).clamp_min(1e-12)
                return int(torch.argmax(logits / temperature - torch.log(-torch.log(uniform))))
            """
        ),
        "inverse_cdf": Impl(  # one uniform number, searched in the cumulative distribution
            """
            def sample_next(logits, temperature, generator=None):
                if temperature <= 0:
                    return logits.argmax().item()
                probs = F.softmax(logits / temperature, dim=0)
                u = torch.rand(1, generator=generator) * probs.sum()
                index = torch.searchsorted(torch.cumsum(probs, dim=0), u).item()
                return min(index, len(probs) - 1)
            """
        ),
        # --- classic mistakes -----------------------------------------------------
        "temperature_multiplied": Impl(  # logits * T: sharper where it should be flatter
            """
            def sample_next(logits, temperature, generator=None):
                if temperature == 0:
                    return int(logits.argmax())
                probs = torch.softmax(logits * temperature, dim=-1)
                return int(torch.multinomial(probs, 1, generator=generator))
            """,
            loses={S_DIST},
            diagnosis="temperature_multiplied",
        ),
        "always_argmax": Impl(  # never samples
            """
            def sample_next(logits, temperature, generator=None):
                return int(logits.argmax())
            """,
            loses={S_DIST, S_GEN},
            diagnosis="always_argmax",
        ),
        "uniform_ignores_logits": Impl(  # a random token, whatever the model says
            """
            def sample_next(logits, temperature, generator=None):
                if temperature == 0:
                    return int(logits.argmax())
                return int(torch.randint(len(logits), (1,), generator=generator))
            """,
            loses={S_DIST},
            diagnosis="uniform",
        ),
        "ignores_generator": Impl(  # the global generator: not reproducible with a seeded generator
            """
            def sample_next(logits, temperature, generator=None):
                if temperature == 0:
                    return int(logits.argmax())
                return int(torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1))
            """,
            loses={S_GEN},
            diagnosis="ignores_generator",
        ),
        "seeded_default_generator": Impl(  # generator=None: a freshly seeded generator, the same draw every call
            """
            def sample_next(logits, temperature, generator=None):
                if generator is None:
                    generator = torch.Generator().manual_seed(0)
                if temperature == 0:
                    return int(logits.argmax())
                return int(torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator))
            """,
            loses={S_GEN},
            diagnosis="seeded_default_generator",
        ),
        "tensor_when_sampling": Impl(  # an int for temperature 0, but a tensor of shape (1,) otherwise
            """
            def sample_next(logits, temperature, generator=None):
                if temperature == 0:
                    return int(logits.argmax())
                return torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1, generator=generator)
            """,
            loses={S_INT},
            diagnosis="returns_tensor",
        ),
    },
    "train_epoch": {
        # --- one feature missing --------------------------------------------------
        "tuple_state_only": Impl(  # detaches tuple(s.detach() for s in state) only: a tensor state (nn.RNN, nn.GRU)
            # becomes a tuple of its rows. Loses the tensor-state cell only.
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    else:
                        state = tuple(s.detach() for s in state)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    loss.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_TENSOR_STATE},
            diagnosis="one_kind_of_state",
        ),
        # --- correct alternatives -------------------------------------------------
        "detach_in_place": Impl(  # D2L's detach_(), time.perf_counter, the norm kept
            """
            import time


            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                start = time.perf_counter()
                state = None
                loss_sum, n = 0.0, 0
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, torch.Tensor):
                        state.detach_()
                    else:
                        for s in state:
                            s.detach_()
                    y = Y.T.reshape(-1).to(device)
                    y_hat, state = net(X.to(device), state)
                    l = loss_fn(y_hat, y.long()).mean()
                    optimizer.zero_grad()
                    l.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    loss_sum += l.item() * y.numel()
                    n += y.numel()
                return math.exp(loss_sum / n), n / (time.perf_counter() - start)
            """
        ),
        "builtin_clip_grads_none": Impl(  # clip_grad_norm_ directly, gradients set to None by hand, X.numel()
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                params = list(net.parameters())
                timer = helpers.Timer()
                timer.start()
                total, tokens, state = 0.0, 0, None
                for k, (X, Y) in enumerate(train_iter):
                    X, Y = X.to(device), Y.to(device)
                    if k == 0 or use_random_iter:
                        state = net.begin_state(X.shape[0], device)
                    else:
                        state = state.detach() if torch.is_tensor(state) else tuple(s.detach() for s in state)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, Y.transpose(0, 1).flatten())
                    for p in params:
                        p.grad = None
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, max_norm=theta)
                    optimizer.step()
                    total += loss.detach() * X.numel()
                    tokens += X.numel()
                seconds = timer.stop()
                return torch.exp(total / tokens).item(), tokens / seconds
            """
        ),
        "float_loss_progress_bar": Impl(  # correct, and noisy on stderr: float(loss) warns (requires_grad),
            # a progress bar and a warning of its own. Warnings cost no points (tools/sandbox.py).
            """
            import sys
            import warnings

            from tqdm.auto import tqdm


            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                warnings.warn("train_epoch: starting an epoch")
                timer = helpers.Timer()
                timer.start()
                total, tokens, state = 0.0, 0, None
                for X, Y in tqdm(train_iter, desc="minibatches", leave=False, file=sys.stderr):
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    else:
                        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    l = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    l.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total += float(l) * y.numel()
                    tokens += y.numel()
                print(f"epoch done: {tokens} tokens", file=sys.stderr)
                return math.exp(total / tokens), tokens / timer.stop()
            """
        ),
        # --- classic mistakes -----------------------------------------------------
        "no_detach": Impl(  # the carried state keeps the previous minibatch's graph
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    loss.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_STATE, T_TENSOR_STATE, T_PPL, T_BOUND},
            diagnosis="no_detach",
        ),
        "never_reset_random": Impl(  # one state per epoch, whatever the sampler
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    loss.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_STATE, T_PPL},
            diagnosis="never_reset_random",
        ),
        "targets_not_transposed": Impl(  # Y.reshape(-1): batch-major targets for time-major outputs
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    loss.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_PPL, T_BOUND},
            diagnosis="targets_not_transposed",
        ),
        "no_clipping": Impl(
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_CLIP},
            diagnosis="no_clipping",
        ),
        "no_zero_grad": Impl(  # gradients accumulate over the epoch
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    loss.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_ZERO, T_BOUND},
            diagnosis="no_zero_grad",
        ),
        "mean_of_batch_perplexities": Impl(  # exp per minibatch, then the mean
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                perplexities, total_tokens = [], 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    loss.backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    perplexities.append(math.exp(loss.item()))
                    total_tokens += y.numel()
                return sum(perplexities) / len(perplexities), total_tokens / timer.stop()
            """,
            loses={T_PPL},
            diagnosis="mean_of_perplexities",
        ),
        "loss_times_three": Impl(  # a positive constant rescaling: clipping and Adam hide it
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    (loss * 3).backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_ZERO},
            diagnosis="scaled_loss",
        ),
        "squared_loss": Impl(  # a monotone transform: the gradient is 2 * loss times that of the mean
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    loss = loss_fn(outputs, y)
                    optimizer.zero_grad()
                    (loss**2).backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_ZERO},
            diagnosis="squared_loss",
        ),
        "summed_losses": Impl(  # per-token losses (reduction='none') summed: num_steps * batch_size times the mean
            """
            def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, device=None):
                state, timer = None, helpers.Timer()
                total_loss, total_tokens = 0.0, 0
                timer.start()
                for X, Y in train_iter:
                    if state is None or use_random_iter:
                        state = net.begin_state(batch_size=X.shape[0], device=device)
                    elif isinstance(state, tuple):
                        state = tuple(s.detach() for s in state)
                    else:
                        state = state.detach()
                    X, Y = X.to(device), Y.to(device)
                    y = Y.T.reshape(-1)
                    outputs, state = net(X, state)
                    losses = F.cross_entropy(outputs, y, reduction="none")
                    loss = losses.mean()
                    optimizer.zero_grad()
                    losses.sum().backward()
                    grad_clipping(net, theta)
                    optimizer.step()
                    total_loss += loss.item() * y.numel()
                    total_tokens += y.numel()
                return math.exp(total_loss / total_tokens), total_tokens / timer.stop()
            """,
            loses={T_ZERO},
            diagnosis="summed_losses",
        ),
    },
}

STUDENTS = {
    "alt_whole_prefix_gumbel_detach_in_place": {
        "predict": "whole_prefix_at_once",
        "sample_next": "gumbel_max",
        "train_epoch": "detach_in_place",
    },
    "alt_indices_cdf_builtin_clip": {
        "predict": "loop_with_indices",
        "sample_next": "inverse_cdf",
        "train_epoch": "builtin_clip_grads_none",
    },
    "wrong_no_warmup_multiplied_no_detach": {
        "predict": "no_warmup",
        "sample_next": "temperature_multiplied",
        "train_epoch": "no_detach",
    },
    "wrong_reset_warmup_argmax_never_reset": {
        "predict": "reset_during_warmup",
        "sample_next": "always_argmax",
        "train_epoch": "never_reset_random",
    },
    "wrong_prefix_dropped_uniform_targets": {
        "predict": "prefix_dropped",
        "sample_next": "uniform_ignores_logits",
        "train_epoch": "targets_not_transposed",
    },
    "wrong_one_short_global_rng_no_clipping": {
        "predict": "one_short",
        "sample_next": "ignores_generator",
        "train_epoch": "no_clipping",
    },
    "wrong_seeded_generator_no_zero_grad": {"sample_next": "seeded_default_generator", "train_epoch": "no_zero_grad"},
    "wrong_tensor_sample_mean_of_batch_perplexities": {
        "sample_next": "tensor_when_sampling",
        "train_epoch": "mean_of_batch_perplexities",
    },
    "wrong_one_char_prefix_tuple_state_only": {  # one feature missing in each
        "predict": "warmup_call_crashes_on_one_char",
        "train_epoch": "tuple_state_only",
    },
    "alt_float_loss_progress_bar": {"train_epoch": "float_loss_progress_bar"},  # warns: full marks
    # monotone transforms of the loss: each needs its own student (one train_epoch per student)
    "wrong_loss_times_three": {"train_epoch": "loss_times_three"},
    "wrong_squared_loss": {"train_epoch": "squared_loss"},
    "wrong_summed_losses": {"train_epoch": "summed_losses"},
}
