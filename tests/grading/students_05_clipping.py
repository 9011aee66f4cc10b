"""Synthetic students of 05_clipping: correct alternatives and classic mistakes.

The tests of `grad_clipping` never call `rnn_backward` and vice versa (the reference
solutions do not call each other either), so every student carries one
implementation of each function: a mistake in `rnn_backward` is paired with a
mistake in `grad_clipping`, and each loses only the cells of its own function.

The `rnn_backward` mistakes are written on the textbook per-step loop (a forward
pass of their own, gradients accumulated step by step), the correct alternatives
cover that loop, the vectorised form after the loop (einsum, stack) with the exact
four-argument signature of the spec, and the row-lookup form (index_add_).
"""

from tests.grading.cases import Impl

# Not named through the catalogue, though the message says what is wrong:
NONE_CRASH = (
    "its TypeError on a parameter whose .grad is None is the one d2l_0_17_6 raises too, and that student's diagnosis "
    "is its missing return value; the message names the input instead (skip the parameters whose .grad is None)"
)

SHAPES, DTYPE, ONE_STEP, THROUGH_TIME, NO_AUTOGRAD = (
    "test_rnn_backward_shapes",
    "test_rnn_backward_dtype",
    "test_rnn_backward_one_step",
    "test_rnn_backward_through_time",
    "test_rnn_backward_no_autograd",
)
RETURNS_NORM, SCALES, BELOW, IN_PLACE = (
    "test_grad_clipping_returns_norm",
    "test_grad_clipping_scales",
    "test_grad_clipping_below_threshold",
    "test_grad_clipping_in_place",
)
PARAMS_ATTRIBUTE, ITERABLES, NO_GRAD, FROM_SCRATCH = (
    "test_grad_clipping_params_attribute",
    "test_grad_clipping_iterables",
    "test_grad_clipping_no_grad",
    "test_grad_clipping_from_scratch",
)

# The textbook loop; the mistakes below are one-line edits of it (markers {...}).
LOOP = """
def rnn_backward(inputs, state, params, d_outputs, hidden_states=None):
    W_xh, W_hh, b_h, W_hq, b_q = [param.detach() for param in params]
    H = state[0].detach()
    Hs, Zs = [H], []
    for X_t in inputs:
        Z = X_t @ W_xh + H @ W_hh + b_h
        H = torch.tanh(Z)
        Zs.append(Z)
        Hs.append(H)
    T, B, V = inputs.shape
    G = d_outputs.reshape(T, B, V)
    dW_xh, dW_hh, db_h = torch.zeros_like(W_xh), torch.zeros_like(W_hh), torch.zeros_like(b_h)
    dW_hq, db_q = torch.zeros_like(W_hq), torch.zeros_like(b_q)
    dH_next = torch.zeros_like(H)
    for t in reversed(range(T)):
        dW_hq += Hs[t + 1].T @ G[t]
        db_q += G[t].sum(dim=0)
        dH = {dH}
        dZ = {dZ}
        dW_xh += inputs[t].T @ dZ
        dW_hh += {H_prev}.T @ dZ
        db_h += dZ.sum(dim=0)
        dH_next = {carry}
    return [dW_xh, dW_hh, db_h, dW_hq, db_q], (dH_next,)
"""
RIGHT = {
    "dH": "G[t] @ W_hq.T + dH_next",
    "dZ": "dH * (1 - Hs[t + 1] ** 2)",
    "H_prev": "Hs[t]",
    "carry": "dZ @ W_hh.T",
}


def loop(**edits):
    return LOOP.format(**(RIGHT | edits))


IMPLEMENTATIONS = {
    "rnn_backward": {
        # --- correct alternatives: full marks ---------------------------------
        "per_step_loop": Impl(loop()),
        "spec_signature_stack": Impl(  # exactly the spec's four arguments; vectorised after the loop
            """
            def rnn_backward(inputs, state, params, d_outputs):
                W_xh, W_hh, b_h, W_hq, b_q = params
                with torch.no_grad():
                    H = state[0]
                    states = [H]
                    for X_t in inputs:
                        H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
                        states.append(H)
                    T = inputs.shape[0]
                    G = d_outputs.reshape(T, -1, d_outputs.shape[-1])
                    dZs = []
                    dH = torch.zeros_like(H)
                    for t in range(T, 0, -1):
                        dH = dH + G[t - 1] @ W_hq.T
                        dZ = dH * (1 - states[t] ** 2)
                        dZs.append(dZ)
                        dH = dZ @ W_hh.T
                    dZ = torch.stack(dZs[::-1])  # (T, B, H)
                    S = torch.stack(states)  # (T + 1, B, H)
                    grads = [
                        torch.einsum("tbv,tbh->vh", inputs, dZ),
                        torch.einsum("tbi,tbj->ij", S[:-1], dZ),
                        dZ.sum(dim=(0, 1)),
                        torch.einsum("tbh,tbv->hv", S[1:], G),
                        G.sum(dim=(0, 1)),
                    ]
                return grads, (dH,)
            """
        ),
        "lookup_index_add": Impl(  # given preamble, rows scattered with index_add_, einsum after the loop
            """
            def rnn_backward(inputs, state, params, d_outputs, hidden_states=None):
                W_xh, W_hh, b_h, W_hq, b_q = [param.detach() for param in params]
                if hidden_states is None:
                    hidden_states = rnn_states(inputs, state, params)
                num_steps, batch_size, vocab_size = inputs.shape
                num_hiddens = W_hh.shape[0]
                G = d_outputs.reshape(num_steps, batch_size, vocab_size)
                dZ = torch.empty(num_steps, batch_size, num_hiddens, dtype=W_hh.dtype)
                carried = torch.zeros(batch_size, num_hiddens, dtype=W_hh.dtype)
                for t in range(num_steps - 1, -1, -1):
                    H_t = hidden_states[t + 1]
                    dZ[t] = (G[t] @ W_hq.T + carried) * (1 - H_t * H_t)
                    carried = dZ[t] @ W_hh.T
                flat_dZ = dZ.reshape(-1, num_hiddens)
                indices = inputs.argmax(dim=-1).reshape(-1)
                dW_xh = torch.zeros_like(W_xh).index_add_(0, indices, flat_dZ)
                dW_hh = torch.einsum("tbi,tbj->ij", hidden_states[:-1], dZ)
                dW_hq = torch.einsum("tbh,tbv->hv", hidden_states[1:], G)
                return [dW_xh, dW_hh, flat_dZ.sum(0), dW_hq, G.sum((0, 1))], (carried,)
            """
        ),
        # --- classic mistakes ---------------------------------------------------
        "missing_tanh_derivative": Impl(loop(dZ="dH"), loses={ONE_STEP, THROUGH_TIME}, diagnosis="no_tanh_derivative"),
        "tanh_derivative_of_Z": Impl(  # 1 - Z^2: the derivative taken of the pre-activation
            loop(dZ="dH * (1 - Zs[t] ** 2)"), loses={ONE_STEP, THROUGH_TIME}, diagnosis="tanh_derivative_of_Z"
        ),
        "tanh_derivative_of_H": Impl(  # tanh'(H) = 1 - tanh(H)^2: as if H were the input of tanh
            loop(dZ="dH * (1 - torch.tanh(Hs[t + 1]) ** 2)"),
            loses={ONE_STEP, THROUGH_TIME},
            diagnosis="tanh_derivative_of_H",
        ),
        "H_t_in_dW_hh": Impl(loop(H_prev="Hs[t + 1]"), loses={ONE_STEP, THROUGH_TIME}, diagnosis="H_t_in_dW_hh"),
        "float32_buffers": Impl(  # one feature missing: torch.zeros(shape) buffers are float32, so float64
            # gradients come back rounded to float32 (right to float32's precision). Loses the dtype cell only.
            LOOP.format(**RIGHT)
            .replace("torch.zeros_like(W_xh)", "torch.zeros(W_xh.shape)")
            .replace("torch.zeros_like(W_hh)", "torch.zeros(W_hh.shape)")
            .replace("torch.zeros_like(b_h)", "torch.zeros(b_h.shape)")
            .replace("torch.zeros_like(W_hq)", "torch.zeros(W_hq.shape)")
            .replace("torch.zeros_like(b_q)", "torch.zeros(b_q.shape)"),
            loses={DTYPE},
            diagnosis="float32_buffers",
        ),
        "not_carried": Impl(loop(dH="G[t] @ W_hq.T"), loses={THROUGH_TIME}, diagnosis="not_carried"),
        "W_hh_not_transposed": Impl(loop(carry="dZ @ W_hh"), loses={THROUGH_TIME}, diagnosis="W_hh_not_transposed"),
        "autograd_grad": Impl(  # right values, but autograd did the work
            """
            def rnn_backward(inputs, state, params, d_outputs, hidden_states=None):
                leaves = [p.detach().clone().requires_grad_(True) for p in [*params, state[0]]]
                with torch.enable_grad():
                    outputs, _ = rnn_forward(inputs, (leaves[-1],), leaves[:-1])
                    grads = torch.autograd.grad(outputs, leaves, d_outputs)
                return list(grads[:-1]), (grads[-1],)
            """,
            loses={NO_AUTOGRAD},
            diagnosis="autograd",
        ),
        "backward_call": Impl(  # outputs.backward(d_outputs), then read the .grad fields
            """
            def rnn_backward(inputs, state, params, d_outputs, hidden_states=None):
                leaves = [p.detach().clone().requires_grad_(True) for p in [*params, state[0]]]
                outputs, _ = rnn_forward(inputs, (leaves[-1],), leaves[:-1])
                outputs.backward(d_outputs)
                return [leaf.grad for leaf in leaves[:-1]], (leaves[-1].grad,)
            """,
            loses={NO_AUTOGRAD},
            diagnosis="autograd",
        ),
    },
    "grad_clipping": {
        # --- correct alternatives -------------------------------------------------
        "d2l_none_safe": Impl(  # D2L's version, made None-safe and returning a float
            """
            def grad_clipping(net, theta):
                if isinstance(net, nn.Module):
                    params = [p for p in net.parameters() if p.requires_grad]
                elif hasattr(net, "params"):
                    params = net.params
                else:
                    params = list(net)
                params = [p for p in params if p.grad is not None]
                norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
                if norm > theta:
                    for param in params:
                        param.grad[:] *= theta / norm
                return norm.item()
            """
        ),
        "always_multiply_min": Impl(  # multiplies by min(1, theta / norm) every time (1.0 below theta)
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, torch.nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])).item()
                scale = min(1.0, theta / norm)
                for grad in grads:
                    grad *= scale
                return norm
            """
        ),
        "float64_loop": Impl(
            """
            def grad_clipping(net, theta):
                if hasattr(net, "parameters") and callable(net.parameters):
                    params = list(net.parameters())
                elif hasattr(net, "params"):
                    params = list(net.params)
                else:
                    params = list(net)
                total = 0.0
                for param in params:
                    if param.grad is not None:
                        total += param.grad.double().pow(2).sum().item()
                norm = total**0.5
                if norm > theta:
                    for param in params:
                        if param.grad is not None:
                            param.grad.mul_(theta / norm)
                return float(norm)
            """
        ),
        # --- one feature missing ----------------------------------------------------
        "d2l_0_17_6": Impl(  # D2L 0.17.6's own: nn.Module or .params, returns None, parameters without a
            # gradient crash it. Loses the return value, iterables and no-gradient cells, nothing else.
            """
            def grad_clipping(net, theta):
                # Clip the gradient.
                if isinstance(net, nn.Module):
                    params = [p for p in net.parameters() if p.requires_grad]
                else:
                    params = net.params
                norm = torch.sqrt(sum(torch.sum((p.grad**2)) for p in params))
                if norm > theta:
                    for param in params:
                        param.grad[:] *= theta / norm
            """,
            loses={RETURNS_NORM, ITERABLES, NO_GRAD},
            diagnosis="returns_none",
        ),
        "no_params_attribute": Impl(  # nn.Module or an iterable, but not an object with .params
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else net
                grads = [p.grad for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
                if norm > theta:
                    for grad in grads:
                        grad.mul_(theta / norm)
                return norm
            """,
            loses={PARAMS_ATTRIBUTE},
            diagnosis="params_iterated",
        ),
        "iterates_twice": Impl(  # iterates net twice: a generator is empty the second time, nothing is scaled
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                if isinstance(net, nn.Module):
                    params = list(params)
                norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in params if p.grad is not None))
                if norm > theta:
                    for param in params:
                        if param.grad is not None:
                            param.grad.mul_(theta / norm)
                return norm
            """,
            loses={ITERABLES},
            diagnosis="generator_iterated_twice",
        ),
        # --- classic mistakes ---------------------------------------------------
        "per_parameter": Impl(  # each tensor clipped by its own norm: the direction changes
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
                for grad in grads:
                    grad_norm = float(grad.norm())
                    if grad_norm > theta:
                        grad.mul_(theta / grad_norm)
                return norm
            """,
            loses={SCALES},
            diagnosis="per_parameter",
        ),
        "elementwise_clamp": Impl(  # min-char-rnn's np.clip(dparam, -5, 5, out=dparam)
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
                for grad in grads:
                    grad.clamp_(-theta, theta)
                return norm
            """,
            loses={SCALES},
            diagnosis="elementwise_clamp",
        ),
        "rescale_always": Impl(  # theta / norm even when norm < theta: small gradients scaled up
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
                for grad in grads:
                    grad.mul_(theta / norm)
                return norm
            """,
            loses={BELOW},
            diagnosis="rescale_always",
        ),
        "squared_norm": Impl(  # forgot the square root
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = sum(float((g * g).sum()) for g in grads)
                if norm > theta:
                    for grad in grads:
                        grad.mul_(theta / norm)
                return norm
            """,
            loses={RETURNS_NORM, SCALES, BELOW},
            diagnosis="squared_norm",
        ),
        "not_in_place": Impl(  # p.grad = p.grad * s: right values, but a new tensor
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                params = [p for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in params))
                if norm > theta:
                    for param in params:
                        param.grad = param.grad * (theta / norm)
                return norm
            """,
            loses={IN_PLACE},
            diagnosis="not_in_place",
        ),
        "scales_a_copy": Impl(  # grad = grad * s rebinds a local name: every p.grad is left as it was
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
                if norm > theta:
                    for grad in grads:
                        grad = grad * (theta / norm)
                return norm
            """,
            loses={SCALES, IN_PLACE},
            diagnosis="unchanged",
        ),
        "returns_clipped_norm": Impl(  # the norm after clipping (never above theta)
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                grads = [p.grad for p in params if p.grad is not None]
                norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
                if norm > theta:
                    for grad in grads:
                        grad.mul_(theta / norm)
                return min(norm, theta)
            """,
            loses={RETURNS_NORM},
            diagnosis="returns_clipped_norm",
        ),
        "crashes_on_none": Impl(  # p.grad ** 2 with p.grad None: TypeError
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                params = list(params)
                norm = math.sqrt(sum(float((p.grad**2).sum()) for p in params))
                if norm > theta:
                    for param in params:
                        param.grad.mul_(theta / norm)
                return norm
            """,
            loses={NO_GRAD},
            undiagnosable=NONE_CRASH,
        ),
        "calls_builtin": Impl(
            """
            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                return float(torch.nn.utils.clip_grad_norm_(params, theta))
            """,
            loses={FROM_SCRATCH},
            diagnosis="builtin",
        ),
        "imports_builtin": Impl(
            """
            from torch.nn.utils import clip_grad_norm_ as clip


            def grad_clipping(net, theta):
                params = net.parameters() if isinstance(net, nn.Module) else getattr(net, "params", net)
                return clip(params, theta).item()
            """,
            loses={FROM_SCRATCH},
            diagnosis="builtin",
        ),
    },
}

STUDENTS = {
    "alt_loop_d2l": {"rnn_backward": "per_step_loop", "grad_clipping": "d2l_none_safe"},
    "alt_stack_min": {"rnn_backward": "spec_signature_stack", "grad_clipping": "always_multiply_min"},
    "alt_lookup_float64": {"rnn_backward": "lookup_index_add", "grad_clipping": "float64_loop"},
    "wrong_no_tanh_per_param": {"rnn_backward": "missing_tanh_derivative", "grad_clipping": "per_parameter"},
    "wrong_tanh_of_z_clamp": {"rnn_backward": "tanh_derivative_of_Z", "grad_clipping": "elementwise_clamp"},
    "wrong_tanh_of_h_rescale": {"rnn_backward": "tanh_derivative_of_H", "grad_clipping": "rescale_always"},
    "wrong_h_t_squared": {"rnn_backward": "H_t_in_dW_hh", "grad_clipping": "squared_norm"},
    "wrong_not_carried_copy": {"rnn_backward": "not_carried", "grad_clipping": "not_in_place"},
    "wrong_untransposed_clipped_norm": {"rnn_backward": "W_hh_not_transposed", "grad_clipping": "returns_clipped_norm"},
    "wrong_autograd_none": {"rnn_backward": "autograd_grad", "grad_clipping": "crashes_on_none"},
    "wrong_backward_builtin": {"rnn_backward": "backward_call", "grad_clipping": "calls_builtin"},
    "wrong_float32_d2l": {"rnn_backward": "float32_buffers", "grad_clipping": "d2l_0_17_6"},
    "wrong_no_params_attribute": {"grad_clipping": "no_params_attribute"},
    "wrong_iterates_twice": {"grad_clipping": "iterates_twice"},
    "wrong_imports_builtin": {"grad_clipping": "imports_builtin"},
    "wrong_scales_a_copy": {"grad_clipping": "scales_a_copy"},
}
