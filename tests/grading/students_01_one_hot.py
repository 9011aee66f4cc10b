"""Synthetic students of 01_one_hot: correct alternatives and classic mistakes.

The tests of `one_hot_batch` compare with `torch.eye(V)[X.T]` and never call the
student's `one_hot`, so a student can carry a mistake in both functions as long
as its `one_hot_batch` does not call its own `one_hot` (those that do are paired
with a correct `one_hot`). `view_not_reshape` fails on a transposed `X.T`, which
the reference `one_hot_batch` passes to `one_hot`: it is worn with `builtin_float`.
"""

from tests.grading.cases import Impl

SHAPE, DTYPE, VALUES, ANY_SHAPE, NON_CONTIGUOUS, SCRATCH = (
    "test_one_hot_shape",
    "test_one_hot_dtype",
    "test_one_hot_values",
    "test_one_hot_any_shape",
    "test_one_hot_non_contiguous",
    "test_one_hot_from_scratch",
)
B_SHAPE, B_DTYPE, B_VALUES = (
    "test_one_hot_batch_shape",
    "test_one_hot_batch_dtype",
    "test_one_hot_batch_values",
)

IMPLEMENTATIONS = {
    "one_hot": {
        # --- correct alternatives: full marks ---------------------------------
        "arange_compare": Impl(
            """
            def one_hot(indices, num_classes):
                return (indices.unsqueeze(-1) == torch.arange(num_classes)).float()
            """
        ),
        "eye_rows": Impl(
            """
            def one_hot(indices, num_classes):
                return torch.eye(num_classes)[indices]
            """
        ),
        "flat_loop": Impl(
            """
            def one_hot(indices, num_classes):
                flat = indices.reshape(-1)
                out = torch.zeros(flat.numel(), num_classes)
                for row, index in enumerate(flat.tolist()):
                    out[row, index] = 1.0
                return out.reshape(*indices.shape, num_classes)
            """
        ),
        # --- classic mistakes ---------------------------------------------------
        "class_dim_first": Impl(  # (V, *S): the class axis in front
            """
            def one_hot(indices, num_classes):
                return (torch.arange(num_classes).reshape(-1, *[1] * indices.dim()) == indices).float()
            """,
            loses={SHAPE, VALUES, ANY_SHAPE, NON_CONTIGUOUS},
            diagnosis="class_axis_first",
        ),
        "int64_result": Impl(  # forgot the float conversion
            """
            def one_hot(indices, num_classes):
                return (indices.unsqueeze(-1) == torch.arange(num_classes)).long()
            """,
            loses={DTYPE},
            diagnosis="int64",
        ),
        "only_1d": Impl(  # works for a vector of indices only: lacks one feature, indices of any shape
            # (non-contiguous indices, a transposed matrix, have two axes: that cell needs the feature too)
            """
            def one_hot(indices, num_classes):
                out = torch.zeros(len(indices), num_classes)
                out[torch.arange(len(indices)), indices] = 1.0
                return out
            """,
            loses={ANY_SHAPE, NON_CONTIGUOUS},
            diagnosis="only_1d",
        ),
        "whole_columns": Impl(  # out[:, indices] = 1 lights every listed column in every row
            """
            def one_hot(indices, num_classes):
                out = torch.zeros(*indices.shape, num_classes)
                out[..., indices.reshape(-1)] = 1.0
                return out
            """,
            loses={VALUES, ANY_SHAPE, NON_CONTIGUOUS},
            diagnosis="whole_columns",
        ),
        "max_plus_one": Impl(  # infers the number of classes from the data
            """
            def one_hot(indices, num_classes):
                return torch.eye(int(indices.max()) + 1)[indices]
            """,
            loses={SHAPE, VALUES, ANY_SHAPE, NON_CONTIGUOUS},
            diagnosis="max_plus_one",
        ),
        "calls_builtin": Impl(  # right result, but not written from scratch
            """
            def one_hot(indices, num_classes):
                return torch.nn.functional.one_hot(indices, num_classes).float()
            """,
            loses={SCRATCH},
            diagnosis="builtin",
        ),
        "imports_builtin": Impl(  # hides the built-in behind another name
            """
            from torch.nn.functional import one_hot as builtin_one_hot


            def one_hot(indices, num_classes):
                return builtin_one_hot(indices, num_classes).to(torch.float32)
            """,
            loses={SCRATCH},
            diagnosis="builtin",
        ),
        "view_not_reshape": Impl(  # .view fails on a transposed (non-contiguous) tensor such as X.T: lacks one
            # feature, non-contiguous indices, and loses that cell only
            """
            def one_hot(indices, num_classes):
                flat = indices.view(-1)
                out = torch.zeros(flat.numel(), num_classes)
                out[torch.arange(flat.numel()), flat] = 1.0
                return out.view(*indices.shape, num_classes)
            """,
            loses={NON_CONTIGUOUS},
            diagnosis="view",
        ),
    },
    "one_hot_batch": {
        # --- correct alternatives -------------------------------------------------
        "permute_after": Impl(
            """
            def one_hot_batch(X, vocab_size):
                return one_hot(X, vocab_size).permute(1, 0, 2)
            """
        ),
        "stack_steps": Impl(
            """
            def one_hot_batch(X, vocab_size):
                return torch.stack([torch.eye(vocab_size)[X[:, t]] for t in range(X.shape[1])])
            """
        ),
        "builtin_float": Impl(
            """
            import torch.nn.functional as F


            def one_hot_batch(X, vocab_size):
                return F.one_hot(X.transpose(0, 1), vocab_size).float()
            """
        ),
        # --- classic mistakes (none of them calls the student's one_hot) ----------
        "reshape_not_transpose": Impl(
            """
            def one_hot_batch(X, vocab_size):
                batch_size, num_steps = X.shape
                return torch.eye(vocab_size)[X.reshape(num_steps, batch_size)]
            """,
            loses={B_VALUES},
            diagnosis="reshape_not_transpose",
        ),
        "batch_major": Impl(  # no transpose at all: (B, T, V)
            """
            def one_hot_batch(X, vocab_size):
                return torch.eye(vocab_size)[X]
            """,
            loses={B_SHAPE, B_VALUES},
            diagnosis="batch_major",
        ),
        "int64_result": Impl(
            """
            import torch.nn.functional as F


            def one_hot_batch(X, vocab_size):
                return F.one_hot(X.T, vocab_size)
            """,
            loses={B_DTYPE},
            diagnosis="int64",
        ),
        "global_vocab": Impl(  # ignores its vocab_size argument
            """
            def one_hot_batch(X, vocab_size):
                return torch.eye(len(vocab))[X.T]
            """,
            loses={B_SHAPE, B_VALUES},
            diagnosis="vocab_size_ignored",
        ),
    },
}

STUDENTS = {
    "alt_compare_permute": {"one_hot": "arange_compare", "one_hot_batch": "permute_after"},
    "alt_eye_stack": {"one_hot": "eye_rows", "one_hot_batch": "stack_steps"},
    "alt_loop_builtin": {"one_hot": "flat_loop", "one_hot_batch": "builtin_float"},
    "wrong_class_first_reshape": {"one_hot": "class_dim_first", "one_hot_batch": "reshape_not_transpose"},
    "wrong_int64_batch_major": {"one_hot": "int64_result", "one_hot_batch": "batch_major"},
    "wrong_1d_int64": {"one_hot": "only_1d", "one_hot_batch": "int64_result"},
    "wrong_columns_global_vocab": {"one_hot": "whole_columns", "one_hot_batch": "global_vocab"},
    "wrong_max_plus_one": {"one_hot": "max_plus_one", "one_hot_batch": "stack_steps"},
    "wrong_view_not_reshape": {"one_hot": "view_not_reshape", "one_hot_batch": "builtin_float"},
    "wrong_calls_builtin": {"one_hot": "calls_builtin"},
    "wrong_imports_builtin": {"one_hot": "imports_builtin"},
}
