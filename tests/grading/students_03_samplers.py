"""Synthetic students of 03_samplers: correct alternatives and classic mistakes.

The tests of one sampler never call the other one, so each student carries a
mistake (or an alternative) in both functions at once. The correct
alternatives draw their random numbers in other orders and with other calls
than the reference (`random.randrange`, `random.sample`, the shuffle before
the offset, D2L's inclusive `random.randint(0, num_steps)` for the sequential
offset): the tests check properties, never one particular random stream. One of
those properties is where the randomness comes from: Python's `random` module, as
the exercises ask, so that `random.seed` makes an epoch reproducible (the hidden
parts of the offset and shuffle tests run each seed twice), and a fresh order at
every call (a fixed permutation such as `random.Random(0).shuffle` passes every
"is it shuffled?" check of a single epoch).
"""

from tests.grading.cases import Impl

R_SHAPES, R_DTYPE, R_TARGETS, R_WINDOWS, R_OFFSET, R_SHUFFLE, R_EDGE = (
    "test_seq_data_iter_random_shapes",
    "test_seq_data_iter_random_dtype",
    "test_seq_data_iter_random_targets",
    "test_seq_data_iter_random_windows",
    "test_seq_data_iter_random_offset",
    "test_seq_data_iter_random_shuffle",
    "test_seq_data_iter_random_edge_sizes",
)
S_SHAPES, S_DTYPE, S_TARGETS, S_CONTINUITY, S_COVERAGE, S_OFFSET, S_EDGE = (
    "test_seq_data_iter_sequential_shapes",
    "test_seq_data_iter_sequential_dtype",
    "test_seq_data_iter_sequential_targets",
    "test_seq_data_iter_sequential_continuity",
    "test_seq_data_iter_sequential_coverage",
    "test_seq_data_iter_sequential_offset",
    "test_seq_data_iter_sequential_edge_sizes",
)

IMPLEMENTATIONS = {
    "seq_data_iter_random": {
        # --- correct alternatives: full marks -------------------------------------
        "d2l": Impl(  # D2L's code: randint, then shuffle; cuts the corpus first
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                corpus = corpus[random.randint(0, num_steps - 1) :]
                num_subseqs = (len(corpus) - 1) // num_steps
                initial_indices = list(range(0, num_subseqs * num_steps, num_steps))
                random.shuffle(initial_indices)

                def data(pos):
                    return corpus[pos : pos + num_steps]

                num_batches = num_subseqs // batch_size
                for i in range(0, batch_size * num_batches, batch_size):
                    initial_indices_per_batch = initial_indices[i : i + batch_size]
                    X = [data(j) for j in initial_indices_per_batch]
                    Y = [data(j + 1) for j in initial_indices_per_batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """
        ),
        "shuffle_first": Impl(  # shuffles window numbers before drawing the offset (randrange)
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                num_subseqs = (len(corpus) - num_steps) // num_steps  # enough for any offset < num_steps
                order = list(range(num_subseqs))
                random.shuffle(order)
                offset = random.randrange(num_steps)
                for k in range(num_subseqs // batch_size):
                    X = torch.empty(batch_size, num_steps, dtype=torch.int64)
                    Y = torch.empty(batch_size, num_steps, dtype=torch.int64)
                    for row, window in enumerate(order[k * batch_size : (k + 1) * batch_size]):
                        start = offset + window * num_steps
                        X[row] = torch.tensor(corpus[start : start + num_steps])
                        Y[row] = torch.tensor(corpus[start + 1 : start + 1 + num_steps])
                    yield X, Y
            """
        ),
        "tensor_windows": Impl(  # reshape into windows, index with random.sample
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randrange(num_steps)
                tokens = torch.tensor(corpus[offset:], dtype=torch.long)
                num_subseqs = (len(tokens) - 1) // num_steps
                windows_X = tokens[: num_subseqs * num_steps].reshape(num_subseqs, num_steps)
                windows_Y = tokens[1 : num_subseqs * num_steps + 1].reshape(num_subseqs, num_steps)
                order = torch.tensor(random.sample(range(num_subseqs), num_subseqs), dtype=torch.long)
                for k in range(num_subseqs // batch_size):
                    rows = order[k * batch_size : (k + 1) * batch_size]
                    yield windows_X[rows], windows_Y[rows]
            """
        ),
        # --- classic mistakes -------------------------------------------------------
        "y_equals_x": Impl(
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    X = [corpus[j : j + num_steps] for j in starts[k * batch_size : (k + 1) * batch_size]]
                    yield torch.tensor(X), torch.tensor(X)
            """,
            loses={R_TARGETS},
            diagnosis="y_equals_x",
        ),
        "y_ignores_offset": Impl(  # X from the cut corpus, Y from the original one
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                cut = corpus[offset:]
                num_subseqs = (len(cut) - 1) // num_steps
                starts = list(range(0, num_subseqs * num_steps, num_steps))
                random.shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [cut[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_TARGETS},
            diagnosis="y_ignores_offset",
        ),
        "overlapping": Impl(  # a window at every position: neighbours share num_steps - 1 tokens
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                starts = list(range(offset, len(corpus) - num_steps))
                random.shuffle(starts)
                for k in range(len(starts) // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_WINDOWS},
            diagnosis="overlapping",
        ),
        "no_shuffle": Impl(
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_SHUFFLE},
            diagnosis="no_shuffle",
        ),
        "no_offset": Impl(
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                num_subseqs = (len(corpus) - 1) // num_steps
                starts = [k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_OFFSET},
            diagnosis="no_offset",
        ),
        "float_tensors": Impl(  # torch.Tensor(...) makes float32
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.Tensor(X), torch.Tensor(Y)
            """,
            loses={R_DTYPE},
            diagnosis="float",
        ),
        "ragged_last_batch": Impl(  # the leftover subsequences form a smaller last minibatch
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for i in range(0, num_subseqs, batch_size):
                    batch = starts[i : i + batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_SHAPES},
            diagnosis="ragged_last_batch",
        ),
        "one_batch_short": Impl(  # off by one: the last full minibatch is never yielded
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for k in range(max(num_subseqs // batch_size - 1, 1)):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_WINDOWS},
            diagnosis="one_batch_short",
        ),
        "fixed_permutation": Impl(  # random.Random(0): shuffled, but in the same order at every call
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.Random(0).shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_SHUFFLE},
            diagnosis="fixed_permutation",
        ),
        "torch_shuffle": Impl(  # torch.randperm: random.seed does not make the order reproducible
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                starts = [starts[i] for i in torch.randperm(num_subseqs).tolist()]
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_SHUFFLE},
            diagnosis="torch_shuffle",
        ),
        "torch_offset": Impl(  # torch.randint: random.seed does not make the offset reproducible
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = int(torch.randint(0, num_steps, (1,)))
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_OFFSET},
            diagnosis="torch_offset",
        ),
        "randrange_off_by_one": Impl(  # one feature missing: randrange(0, num_steps - 1), randint's arguments
            # kept: empty for num_steps=1 (ValueError), otherwise offsets in [0, num_steps - 1). Loses only the
            # cell of the smallest sizes.
            """
            def seq_data_iter_random(corpus, batch_size, num_steps):
                offset = random.randrange(0, num_steps - 1)
                num_subseqs = (len(corpus) - offset - 1) // num_steps
                starts = [offset + k * num_steps for k in range(num_subseqs)]
                random.shuffle(starts)
                for k in range(num_subseqs // batch_size):
                    batch = starts[k * batch_size : (k + 1) * batch_size]
                    X = [corpus[j : j + num_steps] for j in batch]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={R_EDGE},
            diagnosis="randrange_off_by_one",
        ),
    },
    "seq_data_iter_sequential": {
        # --- correct alternatives -----------------------------------------------------
        "d2l": Impl(  # D2L's code, offset in [0, num_steps] inclusive
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps)
                num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens])
                Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens])
                Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
                num_batches = Xs.shape[1] // num_steps
                for i in range(0, num_steps * num_batches, num_steps):
                    X = Xs[:, i : i + num_steps]
                    Y = Ys[:, i : i + num_steps]
                    yield X, Y
            """
        ),
        "list_slices": Impl(  # streams of exactly num_batches * num_steps tokens, randrange offset
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randrange(num_steps)
                num_batches = (len(corpus) - offset - 1) // (batch_size * num_steps)
                stream_len = num_batches * num_steps
                for k in range(num_batches):
                    starts = [offset + i * stream_len + k * num_steps for i in range(batch_size)]
                    X = [corpus[j : j + num_steps] for j in starts]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in starts]
                    yield torch.tensor(X, dtype=torch.long), torch.tensor(Y, dtype=torch.long)
            """
        ),
        "preallocated": Impl(  # random.choice offset, one (B, num_batches, T) tensor made up front
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.choice(range(num_steps + 1))
                tokens = torch.as_tensor(corpus, dtype=torch.int64)
                stream_len = (len(corpus) - offset - 1) // batch_size
                num_batches = stream_len // num_steps
                streams = torch.zeros(2, batch_size, num_batches * num_steps, dtype=torch.int64)
                for i in range(batch_size):
                    start = offset + i * stream_len
                    streams[0, i] = tokens[start : start + num_batches * num_steps]
                    streams[1, i] = tokens[start + 1 : start + 1 + num_batches * num_steps]
                blocks = streams.reshape(2, batch_size, num_batches, num_steps)
                for k in range(num_batches):
                    yield blocks[0, :, k], blocks[1, :, k]
            """
        ),
        # --- classic mistakes -----------------------------------------------------------
        "interleaved": Impl(  # reshape(-1, batch_size).T deals the tokens out round-robin
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(-1, batch_size).T
                Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(-1, batch_size).T
                for k in range(Xs.shape[1] // num_steps):
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_CONTINUITY},
            diagnosis="interleaved",
        ),
        "rows_adjacent": Impl(  # minibatch k = the next batch_size * num_steps tokens
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                size = batch_size * num_steps
                num_batches = (len(corpus) - offset - 1) // size
                for k in range(num_batches):
                    start = offset + k * size
                    X = torch.tensor(corpus[start : start + size]).reshape(batch_size, num_steps)
                    Y = torch.tensor(corpus[start + 1 : start + 1 + size]).reshape(batch_size, num_steps)
                    yield X, Y
            """,
            loses={S_CONTINUITY},
            diagnosis="rows_adjacent",
        ),
        "shuffled_batches": Impl(
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)
                order = list(range(Xs.shape[1] // num_steps))
                random.shuffle(order)
                for k in order:
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_CONTINUITY},
            diagnosis="shuffled_batches",
        ),
        "no_offset": Impl(
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                num_tokens = (len(corpus) - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[:num_tokens]).reshape(batch_size, -1)
                Ys = torch.tensor(corpus[1 : 1 + num_tokens]).reshape(batch_size, -1)
                for k in range(Xs.shape[1] // num_steps):
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_OFFSET},
            diagnosis="no_offset",
        ),
        "float_tensors": Impl(
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.Tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                Ys = torch.Tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)
                for k in range(Xs.shape[1] // num_steps):
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_DTYPE},
            diagnosis="float",
        ),
        "ragged_last_batch": Impl(  # the stream ends form a narrower last minibatch
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)
                for i in range(0, Xs.shape[1], num_steps):
                    yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]
            """,
            loses={S_SHAPES},
            diagnosis="ragged_last_batch",
        ),
        "y_equals_x": Impl(
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                for k in range(Xs.shape[1] // num_steps):
                    X = Xs[:, k * num_steps : (k + 1) * num_steps]
                    yield X, X.clone()
            """,
            loses={S_TARGETS},
            diagnosis="y_equals_x",
        ),
        "y_shifted_two": Impl(  # labels two tokens ahead
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_tokens = (len(corpus) - offset - 2) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                Ys = torch.tensor(corpus[offset + 2 : offset + 2 + num_tokens]).reshape(batch_size, -1)
                for k in range(Xs.shape[1] // num_steps):
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_TARGETS},
            diagnosis="y_shifted_two",
        ),
        "streams_overlap": Impl(  # row i starts i tokens after row 0: the rows are nearly the same text
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randint(0, num_steps - 1)
                num_batches = (len(corpus) - offset - batch_size) // num_steps
                for k in range(num_batches):
                    starts = [offset + i + k * num_steps for i in range(batch_size)]
                    X = [corpus[j : j + num_steps] for j in starts]
                    Y = [corpus[j + 1 : j + 1 + num_steps] for j in starts]
                    yield torch.tensor(X), torch.tensor(Y)
            """,
            loses={S_COVERAGE},
            diagnosis="streams_overlap",
        ),
        "numpy_offset": Impl(  # numpy's generator: random.seed does not make the offset reproducible
            """
            import numpy as np


            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = int(np.random.randint(0, num_steps))
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)
                for k in range(Xs.shape[1] // num_steps):
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_OFFSET},
            diagnosis="numpy_offset",
        ),
        "randrange_off_by_one": Impl(  # one feature missing: the offset from randrange(num_steps - 1), empty for
            # num_steps=1. Loses only the cell of the smallest sizes.
            """
            def seq_data_iter_sequential(corpus, batch_size, num_steps):
                offset = random.randrange(num_steps - 1)
                num_tokens = (len(corpus) - offset - 1) // batch_size * batch_size
                Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
                Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(batch_size, -1)
                for k in range(Xs.shape[1] // num_steps):
                    yield Xs[:, k * num_steps : (k + 1) * num_steps], Ys[:, k * num_steps : (k + 1) * num_steps]
            """,
            loses={S_EDGE},
            diagnosis="randrange_off_by_one",
        ),
    },
}

STUDENTS = {
    "alt_d2l": {"seq_data_iter_random": "d2l", "seq_data_iter_sequential": "d2l"},
    "alt_shuffle_first_list_slices": {
        "seq_data_iter_random": "shuffle_first",
        "seq_data_iter_sequential": "list_slices",
    },
    "alt_tensor_windows_preallocated": {
        "seq_data_iter_random": "tensor_windows",
        "seq_data_iter_sequential": "preallocated",
    },
    "wrong_y_equals_x_interleaved": {
        "seq_data_iter_random": "y_equals_x",
        "seq_data_iter_sequential": "interleaved",
    },
    "wrong_y_offset_rows_adjacent": {
        "seq_data_iter_random": "y_ignores_offset",
        "seq_data_iter_sequential": "rows_adjacent",
    },
    "wrong_overlapping_shuffled_batches": {
        "seq_data_iter_random": "overlapping",
        "seq_data_iter_sequential": "shuffled_batches",
    },
    "wrong_no_shuffle_no_offset": {"seq_data_iter_random": "no_shuffle", "seq_data_iter_sequential": "no_offset"},
    "wrong_no_offset_float": {"seq_data_iter_random": "no_offset", "seq_data_iter_sequential": "float_tensors"},
    "wrong_float_ragged": {"seq_data_iter_random": "float_tensors", "seq_data_iter_sequential": "ragged_last_batch"},
    "wrong_ragged_y_equals_x": {
        "seq_data_iter_random": "ragged_last_batch",
        "seq_data_iter_sequential": "y_equals_x",
    },
    "wrong_batch_short_y_shifted_two": {
        "seq_data_iter_random": "one_batch_short",
        "seq_data_iter_sequential": "y_shifted_two",
    },
    "wrong_torch_offset_streams_overlap": {
        "seq_data_iter_random": "torch_offset",
        "seq_data_iter_sequential": "streams_overlap",
    },
    "wrong_fixed_permutation_numpy_offset": {
        "seq_data_iter_random": "fixed_permutation",
        "seq_data_iter_sequential": "numpy_offset",
    },
    "wrong_torch_shuffle": {"seq_data_iter_random": "torch_shuffle"},
    "wrong_randrange_off_by_one": {
        "seq_data_iter_random": "randrange_off_by_one",
        "seq_data_iter_sequential": "randrange_off_by_one",
    },
}
