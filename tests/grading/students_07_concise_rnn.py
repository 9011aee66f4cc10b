"""Synthetic students of 07_concise_rnn: correct alternatives and classic mistakes.

There is one graded class, `RNNModel`, so each student carries one implementation.
Its tests use the read-only `train_epoch`, `predict` and `evaluate_perplexity` of
the notebook (never the student's assignment 6 functions). The forward tests
pass their own states, so a wrong `begin_state` only loses the cells that call it
(begin_state, lstm, whose hidden part trains an LSTM model, and training).

Points follow aspects: the shapes, values and training cells use a one-directional layer of the
notebook's vocabulary; bidirectional layers, LSTM states and another vocabulary size have cells of
their own, so a model that lacks one of those features (bidirectional_width_ignored,
lstm_state_not_tuple, global_vocab_size) loses that cell only.

Perplexity bound of `test_RNNModel_training`: see the calibration comment in the
test cell (hidden part).
"""

from tests.grading.cases import Impl

SHAPES, OTHER_VOCAB, BEGIN, VALUES, LSTM, BIDIR, TRAINING = (
    "test_RNNModel_shapes",
    "test_RNNModel_other_vocab",
    "test_RNNModel_begin_state",
    "test_RNNModel_values",
    "test_RNNModel_lstm",
    "test_RNNModel_bidirectional",
    "test_RNNModel_training",
)

IMPLEMENTATIONS = {
    "RNNModel": {
        # --- correct alternatives: full marks ---------------------------------
        "eye_lookup_new_zeros": Impl(  # one-hot by rows of an identity matrix, zeros made from a parameter
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    width = rnn_layer.hidden_size * (2 if rnn_layer.bidirectional else 1)
                    self.output = nn.Linear(width, vocab_size)
                    self.register_buffer("eye", torch.eye(vocab_size), persistent=False)

                def forward(self, inputs, state):
                    X = self.eye[inputs.transpose(0, 1)]  # (T, B, V)
                    Y, state = self.rnn(X, state)
                    return self.output(Y.flatten(0, 1)), state

                def begin_state(self, batch_size=1, device=None):
                    weight = self.output.weight
                    layers = self.rnn.num_layers * (2 if self.rnn.bidirectional else 1)
                    zeros = weight.new_zeros((layers, batch_size, self.rnn.hidden_size))
                    if device is not None:
                        zeros = zeros.to(device)
                    if isinstance(self.rnn, nn.LSTM):
                        return zeros, zeros.clone()
                    return zeros
            """
        ),
        "permute_after_one_hot": Impl(  # one-hot first, then the axes swapped; the width read from the outputs
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_directions = 1 + int(self.rnn.bidirectional)
                    self.dense = nn.Linear(self.rnn.hidden_size * self.num_directions, self.vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs, self.vocab_size).to(torch.float32).permute(1, 0, 2)
                    Y, new_state = self.rnn(X, state)
                    T, B, width = Y.shape
                    return self.dense(Y.reshape(T * B, width)), new_state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.rnn.hidden_size)
                    if type(self.rnn) is nn.LSTM:
                        return tuple(torch.zeros(*shape, device=device) for _ in range(2))
                    return torch.zeros(*shape, device=device)
            """
        ),
        # --- classic mistakes ---------------------------------------------------
        "inputs_not_transposed": Impl(  # (B, T, V) into a time-major layer: time and batch swapped
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={SHAPES, OTHER_VOCAB, VALUES, LSTM, BIDIR, TRAINING},
            diagnosis="inputs_not_transposed",
        ),
        "reshape_not_transpose": Impl(  # inputs.reshape(T, B): the right shape, but the sequences mixed
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    batch_size, num_steps = inputs.shape
                    X = F.one_hot(inputs.reshape(num_steps, batch_size).long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={VALUES, LSTM, BIDIR, TRAINING},
            diagnosis="reshaped_inputs",
        ),
        "batch_major_outputs": Impl(  # Y transposed to (B, T, D * H) before flattening: rows b * T + t
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    Y = Y.transpose(0, 1)  # (B, T, D * H): sequence by sequence
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={VALUES, LSTM, BIDIR, TRAINING},
            diagnosis="batch_major_outputs",
        ),
        "linear_on_state": Impl(  # the output layer reads the final state instead of the outputs
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    H = state[0] if isinstance(state, tuple) else state
                    return self.linear(H.reshape(-1, H.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={SHAPES, OTHER_VOCAB, VALUES, LSTM, BIDIR, TRAINING},
            diagnosis="linear_on_state",
        ),
        "begin_state_no_layer_dim": Impl(  # (B, H) like the scratch model's state
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={BEGIN, LSTM, TRAINING},
            diagnosis="no_layer_axis",
        ),
        "random_begin_state": Impl(  # a random initial state instead of zeros: the shapes are right
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.randn(shape, device=device), torch.randn(shape, device=device))
                    return torch.randn(shape, device=device)
            """,
            loses={BEGIN},  # the training runs start from it once per epoch: they still learn
            undiagnosable="the test says it in so many words (begin_state should return zeros): no catalogue entry",
        ),
        "lstm_state_not_tuple": Impl(  # one tensor for every layer type
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    return torch.zeros(shape, device=device)
            """,
            loses={LSTM},
            diagnosis="lstm_state_not_tuple",
        ),
        "bidirectional_width_ignored": Impl(  # nn.Linear(num_hiddens, vocab_size) whatever the directions
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), self.vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={BIDIR},
            diagnosis="bidirectional_width_ignored",
        ),
        "global_vocab_size": Impl(  # forward uses the notebook's vocab_size (28): right only for that corpus
            """
            class RNNModel(nn.Module):
                def __init__(self, rnn_layer, vocab_size):
                    super().__init__()
                    self.rnn = rnn_layer
                    self.vocab_size = vocab_size
                    self.num_hiddens = rnn_layer.hidden_size
                    self.num_directions = 2 if rnn_layer.bidirectional else 1
                    self.linear = nn.Linear(self.num_directions * self.num_hiddens, vocab_size)

                def forward(self, inputs, state):
                    X = F.one_hot(inputs.T.long(), vocab_size).float()
                    Y, state = self.rnn(X, state)
                    return self.linear(Y.reshape(-1, Y.shape[-1])), state

                def begin_state(self, batch_size=1, device=None):
                    shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
                    if isinstance(self.rnn, nn.LSTM):
                        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
                    return torch.zeros(shape, device=device)
            """,
            loses={OTHER_VOCAB},
            diagnosis="global_vocab_size",
        ),
    },
}

STUDENTS = {
    "alt_eye_lookup_new_zeros": {"RNNModel": "eye_lookup_new_zeros"},
    "alt_permute_after_one_hot": {"RNNModel": "permute_after_one_hot"},
    "wrong_inputs_not_transposed": {"RNNModel": "inputs_not_transposed"},
    "wrong_linear_on_state": {"RNNModel": "linear_on_state"},
    "wrong_begin_state_no_layer_dim": {"RNNModel": "begin_state_no_layer_dim"},
    "wrong_random_begin_state": {"RNNModel": "random_begin_state"},
    "wrong_lstm_state_not_tuple": {"RNNModel": "lstm_state_not_tuple"},
    "wrong_bidirectional_width_ignored": {"RNNModel": "bidirectional_width_ignored"},
    "wrong_global_vocab_size": {"RNNModel": "global_vocab_size"},
    "wrong_reshape_not_transpose": {"RNNModel": "reshape_not_transpose"},
    "wrong_batch_major_outputs": {"RNNModel": "batch_major_outputs"},
}
