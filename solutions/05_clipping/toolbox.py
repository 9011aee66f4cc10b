"""Reference code of earlier assignments that 05_clipping builds on.

GENERATED FILE, DO NOT EDIT: `python -m tools.toolbox` (run by `make course`) writes it from the cells
marked `# @save` in the solution notebooks; edit those cells and regenerate. Grading uses the
course's own copy of this file, whatever a submission holds.

    init_rnn_params  02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_params
    init_rnn_state   02_recurrence.ipynb, section "4. Parameters and state", cell init_rnn_state
    rnn_step         02_recurrence.ipynb, section "5. One step of the recurrence", cell rnn_step
    rnn_forward      02_recurrence.ipynb, section "6. A whole sequence", cell rnn_forward
"""

import torch


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
