"""Synthetic students of 02_recurrence: correct alternatives and classic mistakes.

Dependencies between the graded functions:

* No test cell calls `init_rnn_params` or `init_rnn_state` outside its own
  cells (the tests of `rnn_step` and `rnn_forward` build seeded parameters and
  states themselves), so mistakes in those two combine freely with anything.
* No test of `rnn_forward` calls the student's `rnn_step`: each compares with a
  reference written inside the test cell, a hand-computed example or
  `torch.nn.RNN`. But the reference `rnn_forward` calls `rnn_step`, and so do
  the implementations below marked "calls rnn_step": those are worn with a
  correct `rnn_step` (the reference or a correct alternative). A mistake in
  `rnn_step` is worn with an `rnn_forward` that writes its own loop.
"""

from tests.grading.cases import Impl

P_SHAPES, P_DEVICE, P_VALUES, P_GRAD = (
    "test_init_rnn_params_shapes",
    "test_init_rnn_params_device",
    "test_init_rnn_params_values",
    "test_init_rnn_params_grad",
)
S_SHAPE, S_DEVICE, S_VALUES = "test_init_rnn_state_shape", "test_init_rnn_state_device", "test_init_rnn_state_values"
STEP_SHAPES, STEP_VALUES = "test_rnn_step_shapes", "test_rnn_step_values"
F_SHAPES, F_VALUES, F_CARRY, F_TORCH = (
    "test_rnn_forward_shapes",
    "test_rnn_forward_values",
    "test_rnn_forward_carry",
    "test_rnn_forward_torch",
)

IMPLEMENTATIONS = {
    "init_rnn_params": {
        # --- correct alternatives: full marks ---------------------------------
        "randn_scaled": Impl(
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                num_inputs = num_outputs = vocab_size

                def normal(shape):
                    return torch.randn(size=shape, device=device) * 0.01

                W_xh = normal((num_inputs, num_hiddens))
                W_hh = normal((num_hiddens, num_hiddens))
                b_h = torch.zeros(num_hiddens, device=device)
                W_hq = normal((num_hiddens, num_outputs))
                b_q = torch.zeros(num_outputs, device=device)
                params = [W_xh, W_hh, b_h, W_hq, b_q]
                for param in params:
                    param.requires_grad_(True)
                return params
            """
        ),
        "normal_biases_first": Impl(  # torch.normal, another RNG call order
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                b_q = torch.zeros(vocab_size, device=device, requires_grad=True)
                b_h = torch.zeros(num_hiddens, device=device, requires_grad=True)
                W_hq = torch.normal(0.0, 0.01, size=(num_hiddens, vocab_size), device=device).requires_grad_()
                W_hh = torch.normal(0.0, 0.01, size=(num_hiddens, num_hiddens), device=device).requires_grad_()
                W_xh = torch.normal(0.0, 0.01, size=(vocab_size, num_hiddens), device=device).requires_grad_()
                return [W_xh, W_hh, b_h, W_hq, b_q]
            """
        ),
        "nn_parameters": Impl(  # nn.Parameter + in-place initialisers
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                shapes = [(vocab_size, num_hiddens), (num_hiddens, num_hiddens), (num_hiddens,),
                          (num_hiddens, vocab_size), (vocab_size,)]
                params = []
                for shape in shapes:
                    param = nn.Parameter(torch.empty(shape, device=device))
                    if len(shape) == 2:
                        nn.init.normal_(param, mean=0.0, std=0.01)
                    else:
                        nn.init.zeros_(param)
                    params.append(param)
                return params
            """
        ),
        # --- classic mistakes ---------------------------------------------------
        "random_biases": Impl(
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                shapes = [(vocab_size, num_hiddens), (num_hiddens, num_hiddens), (num_hiddens,),
                          (num_hiddens, vocab_size), (vocab_size,)]
                return [(torch.randn(shape) * 0.01).requires_grad_() for shape in shapes]
            """,
            loses={P_VALUES},
            diagnosis="random_biases",
        ),
        "unscaled_randn": Impl(  # std 1 instead of 0.01
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                params = [torch.randn(vocab_size, num_hiddens), torch.randn(num_hiddens, num_hiddens),
                          torch.zeros(num_hiddens), torch.randn(num_hiddens, vocab_size), torch.zeros(vocab_size)]
                return [param.requires_grad_() for param in params]
            """,
            loses={P_VALUES},
            diagnosis="unscaled",
        ),
        "uniform_rand": Impl(  # torch.rand: uniform on [0, 0.01), mean 0.005
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                params = [torch.rand(vocab_size, num_hiddens) * 0.01, torch.rand(num_hiddens, num_hiddens) * 0.01,
                          torch.zeros(num_hiddens), torch.rand(num_hiddens, vocab_size) * 0.01, torch.zeros(vocab_size)]
                return [param.requires_grad_() for param in params]
            """,
            loses={P_VALUES},
            diagnosis="uniform_rand",
        ),
        "zero_weights": Impl(
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                params = [torch.zeros(vocab_size, num_hiddens), torch.zeros(num_hiddens, num_hiddens),
                          torch.zeros(num_hiddens), torch.zeros(num_hiddens, vocab_size), torch.zeros(vocab_size)]
                return [param.requires_grad_() for param in params]
            """,
            loses={P_VALUES},
            diagnosis="zero_weights",
        ),
        "uniform_same_std": Impl(  # mean 0 and std 0.01, but uniform, not normal (caught by a hidden test)
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                def uniform(*shape):
                    return (torch.rand(*shape) * 2 - 1) * 0.01 * math.sqrt(3)

                params = [uniform(vocab_size, num_hiddens), uniform(num_hiddens, num_hiddens), torch.zeros(num_hiddens),
                          uniform(num_hiddens, vocab_size), torch.zeros(vocab_size)]
                return [param.requires_grad_() for param in params]
            """,
            loses={P_VALUES},
            diagnosis="uniform_same_std",
        ),
        "wrong_order": Impl(  # weights first, then biases
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                W_xh = torch.randn(vocab_size, num_hiddens) * 0.01
                W_hh = torch.randn(num_hiddens, num_hiddens) * 0.01
                W_hq = torch.randn(num_hiddens, vocab_size) * 0.01
                b_h, b_q = torch.zeros(num_hiddens), torch.zeros(vocab_size)
                return [param.requires_grad_() for param in [W_xh, W_hh, W_hq, b_h, b_q]]
            """,
            loses={P_SHAPES, P_VALUES},
            diagnosis="order",
        ),
        "no_requires_grad": Impl(
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                return [torch.randn(vocab_size, num_hiddens, device=device) * 0.01,
                        torch.randn(num_hiddens, num_hiddens, device=device) * 0.01,
                        torch.zeros(num_hiddens, device=device),
                        torch.randn(num_hiddens, vocab_size, device=device) * 0.01,
                        torch.zeros(vocab_size, device=device)]
            """,
            loses={P_GRAD},
            diagnosis="no_grad",
        ),
        "grad_before_scaling": Impl(  # requires_grad=True, then * 0.01: non-leaf tensors
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                def normal(*shape):
                    return torch.randn(*shape, device=device, requires_grad=True) * 0.01

                return [normal(vocab_size, num_hiddens), normal(num_hiddens, num_hiddens),
                        torch.zeros(num_hiddens, device=device, requires_grad=True),
                        normal(num_hiddens, vocab_size), torch.zeros(vocab_size, device=device, requires_grad=True)]
            """,
            loses={P_GRAD},
            diagnosis="not_leaf",
        ),
        "biases_without_grad": Impl(
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                W_xh = (torch.randn(vocab_size, num_hiddens) * 0.01).requires_grad_()
                W_hh = (torch.randn(num_hiddens, num_hiddens) * 0.01).requires_grad_()
                W_hq = (torch.randn(num_hiddens, vocab_size) * 0.01).requires_grad_()
                return [W_xh, W_hh, torch.zeros(num_hiddens), W_hq, torch.zeros(vocab_size)]
            """,
            loses={P_GRAD},
            diagnosis="biases_no_grad",
        ),
        "seeded_inside": Impl(  # torch.manual_seed in the function: every call returns the same weights
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                torch.manual_seed(0)
                W_xh = torch.randn(vocab_size, num_hiddens, device=device) * 0.01
                W_hh = torch.randn(num_hiddens, num_hiddens, device=device) * 0.01
                W_hq = torch.randn(num_hiddens, vocab_size, device=device) * 0.01
                b_h, b_q = torch.zeros(num_hiddens, device=device), torch.zeros(vocab_size, device=device)
                return [param.requires_grad_() for param in [W_xh, W_hh, b_h, W_hq, b_q]]
            """,
            loses={P_VALUES},
            diagnosis="seeded",
        ),
        "device_object_only": Impl(  # one feature missing: treats device as a torch.device (device.type), so
            # device="cpu", a string, fails; None and torch.device("cpu") work. Loses the device cell only.
            """
            def init_rnn_params(vocab_size, num_hiddens, device=None):
                device_type = "cpu" if device is None else device.type

                def normal(*shape):
                    return (torch.randn(*shape, device=device_type) * 0.01).requires_grad_()

                def zeros(size):
                    return torch.zeros(size, device=device_type, requires_grad=True)

                return [normal(vocab_size, num_hiddens), normal(num_hiddens, num_hiddens), zeros(num_hiddens),
                        normal(num_hiddens, vocab_size), zeros(vocab_size)]
            """,
            loses={P_DEVICE},
            diagnosis="device_type",
        ),
    },
    "init_rnn_state": {
        # --- correct alternatives -------------------------------------------------
        "zeros_tuple": Impl(
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                H0 = torch.zeros(batch_size, num_hiddens, device=device)
                return (H0,)
            """
        ),
        "full_zeros": Impl(
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return (torch.full((batch_size, num_hiddens), 0.0, dtype=torch.float32, device=device),)
            """
        ),
        "tuple_of_list": Impl(
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return tuple([torch.zeros((batch_size, num_hiddens)).to(device or "cpu")])
            """
        ),
        # --- classic mistakes -------------------------------------------------------
        "bare_tensor": Impl(  # not a tuple
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return torch.zeros(batch_size, num_hiddens, device=device)
            """,
            loses={S_SHAPE},
            diagnosis="not_tuple",
        ),
        "parentheses_no_comma": Impl(  # (H0) is H0, not a tuple
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return (torch.zeros(batch_size, num_hiddens, device=device))
            """,
            loses={S_SHAPE},
            diagnosis="not_tuple",
        ),
        "list_state": Impl(  # a list, not a tuple
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return [torch.zeros(batch_size, num_hiddens, device=device)]
            """,
            loses={S_SHAPE},
            diagnosis="list",
        ),
        "transposed": Impl(  # (num_hiddens, batch_size)
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return (torch.zeros(num_hiddens, batch_size, device=device),)
            """,
            loses={S_SHAPE},
            diagnosis="transposed",
        ),
        "nn_rnn_layout": Impl(  # nn.RNN's (num_layers, batch_size, num_hiddens)
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return (torch.zeros(1, batch_size, num_hiddens, device=device),)
            """,
            loses={S_SHAPE},
            diagnosis="layer_axis",
        ),
        "random_state": Impl(
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return (torch.randn(batch_size, num_hiddens, device=device) * 0.01,)
            """,
            loses={S_VALUES},
            diagnosis="random",
        ),
        "ones_state": Impl(
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                return (torch.ones(batch_size, num_hiddens, device=device),)
            """,
            loses={S_VALUES},
            diagnosis="ones",
        ),
        "device_object_only": Impl(  # one feature missing: device.type fails for device="cpu", a string
            """
            def init_rnn_state(batch_size, num_hiddens, device=None):
                device_type = "cpu" if device is None else device.type
                return (torch.zeros(batch_size, num_hiddens, device=device_type),)
            """,
            loses={S_DEVICE},
            diagnosis="device_type",
        ),
    },
    "rnn_step": {
        # --- correct alternatives -------------------------------------------------
        "concat_trick": Impl(
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                XH = torch.cat([X_t, H], dim=1)  # (B, V + H)
                H_new = torch.tanh(XH @ torch.cat([W_xh, W_hh], dim=0) + b_h)
                return H_new @ W_hq + b_q, H_new
            """
        ),
        "row_lookup": Impl(  # X_t is one-hot: X_t @ W_xh picks rows of W_xh
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(W_xh[X_t.argmax(dim=1)] + torch.matmul(H, W_hh) + b_h)
                O_t = torch.matmul(H_t, W_hq) + b_q
                return (O_t, H_t)
            """
        ),
        "addmm_list": Impl(  # torch.addmm, and a list instead of a tuple
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(torch.addmm(b_h, X_t, W_xh) + torch.mm(H, W_hh))
                return [torch.addmm(b_q, H_t, W_hq), H_t]
            """
        ),
        # --- classic mistakes -------------------------------------------------------
        "no_tanh": Impl(
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = X_t @ W_xh + H @ W_hh + b_h
                return H_t @ W_hq + b_q, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="no_tanh",
        ),
        "relu": Impl(  # another activation
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.relu(X_t @ W_xh + H @ W_hh + b_h)
                return H_t @ W_hq + b_q, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="relu",
        ),
        "sigmoid": Impl(  # another activation
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.sigmoid(X_t @ W_xh + H @ W_hh + b_h)
                return H_t @ W_hq + b_q, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="sigmoid",
        ),
        "output_from_old_state": Impl(
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                O_t = H @ W_hq + b_q
                H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                return O_t, H
            """,
            loses={STEP_VALUES},
            diagnosis="output_from_old_state",
        ),
        "no_hidden_bias": Impl(
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(X_t @ W_xh + H @ W_hh)
                return H_t @ W_hq + b_q, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="no_hidden_bias",
        ),
        "no_output_bias": Impl(
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                return H_t @ W_hq, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="no_output_bias",
        ),
        "state_ignored": Impl(  # the MLP: a hidden layer, not a hidden state
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(X_t @ W_xh + b_h)
                return H_t @ W_hq + b_q, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="state_ignored",
        ),
        "swapped_return": Impl(  # (H_t, O_t)
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                return H_t, H_t @ W_hq + b_q
            """,
            loses={STEP_SHAPES, STEP_VALUES},
            diagnosis="swapped_return",
        ),
        "W_hh_transposed": Impl(
            """
            def rnn_step(X_t, H, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H_t = torch.tanh(X_t @ W_xh + H @ W_hh.T + b_h)
                return H_t @ W_hq + b_q, H_t
            """,
            loses={STEP_VALUES},
            diagnosis="W_hh_transposed",
        ),
    },
    "rnn_forward": {
        # --- correct alternatives -------------------------------------------------
        "step_loop_prealloc": Impl(  # calls rnn_step; preallocated outputs
            """
            def rnn_forward(inputs, state, params):
                num_steps, batch_size, _ = inputs.shape
                H = state[0]
                outputs = torch.empty(num_steps * batch_size, params[-1].shape[0])
                for t in range(num_steps):
                    O_t, H = rnn_step(inputs[t], H, params)
                    outputs[t * batch_size : (t + 1) * batch_size] = O_t
                return outputs, (H,)
            """
        ),
        "hoisted_projection": Impl(  # own loop: input projection for all steps at once
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                (H,) = state
                projected = inputs @ W_xh + b_h  # (T, B, H)
                states = []
                for XW_t in projected:
                    H = torch.tanh(XW_t + H @ W_hh)
                    states.append(H)
                outputs = torch.stack(states).reshape(-1, W_hh.shape[0]) @ W_hq + b_q
                return outputs, (H,)
            """
        ),
        "row_lookup_loop": Impl(  # own loop on token indices
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H = state[0]
                indices = inputs.argmax(dim=-1)  # (T, B)
                outputs = []
                for t in range(indices.shape[0]):
                    H = torch.tanh(W_xh[indices[t]] + H @ W_hh + b_h)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs, dim=0), (H,)
            """
        ),
        "concat_trick_loop": Impl(  # own loop with the concatenation trick
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                W = torch.cat((W_xh, W_hh), dim=0)
                (H,) = state
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(torch.cat((X_t, H), dim=1) @ W + b_h)
                    outputs.append(torch.addmm(b_q, H, W_hq))
                return torch.vstack(outputs), (H,)
            """
        ),
        # --- classic mistakes -------------------------------------------------------
        "stacked": Impl(  # calls rnn_step; (T, B, V) instead of (T * B, V)
            """
            def rnn_forward(inputs, state, params):
                (H,) = state
                outputs = []
                for X_t in inputs:
                    O_t, H = rnn_step(X_t, H, params)
                    outputs.append(O_t)
                return torch.stack(outputs), (H,)
            """,
            loses={F_SHAPES, F_VALUES, F_TORCH},
            diagnosis="stacked",
        ),
        "batch_major": Impl(  # calls rnn_step; rows ordered sequence by sequence
            """
            def rnn_forward(inputs, state, params):
                (H,) = state
                outputs = []
                for X_t in inputs:
                    O_t, H = rnn_step(X_t, H, params)
                    outputs.append(O_t)
                return torch.stack(outputs, dim=1).reshape(-1, outputs[0].shape[-1]), (H,)
            """,
            loses={F_VALUES, F_CARRY, F_TORCH},
            diagnosis="batch_major",
        ),
        "state_ignored": Impl(  # starts from zeros whatever state is passed in
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H = torch.zeros(inputs.shape[1], W_hh.shape[0])
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), (H,)
            """,
            loses={F_VALUES, F_CARRY, F_TORCH},
            diagnosis="state_ignored",
        ),
        "reset_each_step": Impl(  # every step starts again from the incoming state
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(X_t @ W_xh + state[0] @ W_hh + b_h)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), (H,)
            """,
            loses={F_VALUES, F_CARRY, F_TORCH},
            diagnosis="reset_each_step",
        ),
        "state_not_returned": Impl(  # hands back the state it was given
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H = state[0]
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), state
            """,
            loses={F_VALUES, F_CARRY, F_TORCH},
            diagnosis="state_not_returned",
        ),
        "state_not_tuple": Impl(  # returns H instead of (H,)
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H = state[0]
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), H
            """,
            loses={F_SHAPES, F_CARRY},
            diagnosis="state_not_tuple",
        ),
        "no_tanh_loop": Impl(
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                (H,) = state
                outputs = []
                for X_t in inputs:
                    H = X_t @ W_xh + H @ W_hh + b_h
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), (H,)
            """,
            loses={F_VALUES, F_TORCH},
            diagnosis="no_tanh",
        ),
        "old_state_output_loop": Impl(
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                (H,) = state
                outputs = []
                for X_t in inputs:
                    outputs.append(H @ W_hq + b_q)
                    H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                return torch.cat(outputs), (H,)
            """,
            loses={F_VALUES, F_TORCH},
            diagnosis="old_state_output",
        ),
        "no_bias_loop": Impl(
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                (H,) = state
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(X_t @ W_xh + H @ W_hh)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), (H,)
            """,
            loses={F_VALUES, F_TORCH},
            diagnosis="no_bias",
        ),
        "detach_every_step": Impl(  # right values, but backpropagation stops at every step
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                (H,) = state
                outputs = []
                for X_t in inputs:
                    H = torch.tanh(X_t @ W_xh + H.detach() @ W_hh + b_h)
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), (H,)
            """,
            loses={F_TORCH},
            diagnosis="detached",
        ),
        "in_place_state": Impl(  # overwrites the caller's state tensor
            """
            def rnn_forward(inputs, state, params):
                W_xh, W_hh, b_h, W_hq, b_q = params
                H = state[0]
                outputs = []
                for X_t in inputs:
                    H.copy_(torch.tanh(X_t @ W_xh + H @ W_hh + b_h))
                    outputs.append(H @ W_hq + b_q)
                return torch.cat(outputs), (H,)
            """,
            loses={F_CARRY, F_TORCH},
            diagnosis="in_place",
        ),
    },
}

STUDENTS = {
    # correct alternatives everywhere (step_loop_prealloc calls the concat-trick rnn_step)
    "alt_randn_zeros_concat_prealloc": {
        "init_rnn_params": "randn_scaled",
        "init_rnn_state": "zeros_tuple",
        "rnn_step": "concat_trick",
        "rnn_forward": "step_loop_prealloc",
    },
    "alt_normal_full_lookup_hoisted": {
        "init_rnn_params": "normal_biases_first",
        "init_rnn_state": "full_zeros",
        "rnn_step": "row_lookup",
        "rnn_forward": "hoisted_projection",
    },
    "alt_parameters_tuple_addmm_lookup": {
        "init_rnn_params": "nn_parameters",
        "init_rnn_state": "tuple_of_list",
        "rnn_step": "addmm_list",
        "rnn_forward": "row_lookup_loop",
    },
    # one mistake per function; every rnn_step mistake rides with an rnn_forward that has its own loop
    "wrong_biases_bare_notanh_concatloop": {
        "init_rnn_params": "random_biases",
        "init_rnn_state": "bare_tensor",
        "rnn_step": "no_tanh",
        "rnn_forward": "concat_trick_loop",
    },
    "wrong_randn_list_relu_ignored": {
        "init_rnn_params": "unscaled_randn",
        "init_rnn_state": "list_state",
        "rnn_step": "relu",
        "rnn_forward": "state_ignored",
    },
    "wrong_rand_transposed_oldstate_reset": {
        "init_rnn_params": "uniform_rand",
        "init_rnn_state": "transposed",
        "rnn_step": "output_from_old_state",
        "rnn_forward": "reset_each_step",
    },
    "wrong_zeros_layout_nobias_notreturned": {
        "init_rnn_params": "zero_weights",
        "init_rnn_state": "nn_rnn_layout",
        "rnn_step": "no_hidden_bias",
        "rnn_forward": "state_not_returned",
    },
    "wrong_uniform_random_noqbias_nottuple": {
        "init_rnn_params": "uniform_same_std",
        "init_rnn_state": "random_state",
        "rnn_step": "no_output_bias",
        "rnn_forward": "state_not_tuple",
    },
    "wrong_order_ones_ignored_notanh": {
        "init_rnn_params": "wrong_order",
        "init_rnn_state": "ones_state",
        "rnn_step": "state_ignored",
        "rnn_forward": "no_tanh_loop",
    },
    "wrong_nograd_comma_swapped_oldoutput": {
        "init_rnn_params": "no_requires_grad",
        "init_rnn_state": "parentheses_no_comma",
        "rnn_step": "swapped_return",
        "rnn_forward": "old_state_output_loop",
    },
    "wrong_nonleaf_transposed_nobias": {
        "init_rnn_params": "grad_before_scaling",
        "rnn_step": "W_hh_transposed",
        "rnn_forward": "no_bias_loop",
    },
    "wrong_seeded_sigmoid_detach": {
        "init_rnn_params": "seeded_inside",
        "rnn_step": "sigmoid",
        "rnn_forward": "detach_every_step",
    },
    # rnn_forward mistakes that call rnn_step: worn with the reference rnn_step
    "wrong_biasgrad_stacked": {"init_rnn_params": "biases_without_grad", "rnn_forward": "stacked"},
    "wrong_device_object_only_batch_major": {
        "init_rnn_params": "device_object_only",
        "init_rnn_state": "device_object_only",
        "rnn_forward": "batch_major",
    },
    "wrong_in_place_state": {"rnn_forward": "in_place_state"},
}
