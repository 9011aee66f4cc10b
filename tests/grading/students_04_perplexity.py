"""Synthetic students of 04_perplexity: correct alternatives and classic mistakes.

The three graded functions are independent: neither the tests nor the reference
solution of one calls another, so every student carries one implementation of
each function (a mistake in one never costs points in another's cells).

`bigram_perplexity` is specified with count(u) = the occurrences of u among the
bigram prefixes (train_tokens[:-1]). Counting u among all training tokens is the
other reasonable choice: it changes only the row of the last training token,
which the visible examples never use as a prefix and which moves the hidden
results by < 1e-4 relative (Time Machine: 9.61560 vs 9.61567; tolerance 1e-3 on
the random Markov chains, 1e-4 elsewhere), so `all_tokens_prefix` gets full marks. A pair wrapping around from the last
training token to the first (`torch.roll`) moves the results as little, but it is
a pair that is not in the text: the hidden part of the train-only test has tiny
examples where that pair is the one predicted (reference 3, all_tokens_prefix 4,
wrap-around 2).
"""

from tests.grading.cases import Impl

P_VALUES, P_STABLE = "test_perplexity_values", "test_perplexity_stable"
U_VALUES, U_SMOOTH, U_TRAIN, U_TENSORS = (
    "test_unigram_perplexity_values",
    "test_unigram_perplexity_smoothing",
    "test_unigram_perplexity_train_only",
    "test_unigram_perplexity_tensors",
)
B_VALUES, B_SMOOTH, B_TRAIN, B_COND, B_TENSORS = (
    "test_bigram_perplexity_values",
    "test_bigram_perplexity_smoothing",
    "test_bigram_perplexity_train_only",
    "test_bigram_perplexity_conditional",
    "test_bigram_perplexity_tensors",
)

IMPLEMENTATIONS = {
    "perplexity": {
        # --- correct alternatives: full marks ---------------------------------
        "builtin_cross_entropy": Impl(
            """
            def perplexity(logits, targets):
                return math.exp(F.cross_entropy(logits, targets).item())
            """
        ),
        "logsumexp": Impl(
            """
            def perplexity(logits, targets):
                nll = torch.logsumexp(logits, dim=1) - logits[torch.arange(len(targets)), targets]
                return float(torch.exp(nll.mean()))
            """
        ),
        "manual_max_shift": Impl(  # the log-sum-exp trick by hand, in float64
            """
            def perplexity(logits, targets):
                logits = logits.double()
                shifted = logits - logits.max(dim=1, keepdim=True).values
                log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
                total = 0.0
                for row, target in enumerate(targets.tolist()):
                    total -= log_probs[row, target].item()
                return math.exp(total / len(targets))
            """
        ),
        "nll_loss": Impl(  # returns a 0-d tensor rather than a float: accepted
            """
            def perplexity(logits, targets):
                return torch.exp(F.nll_loss(F.log_softmax(logits, dim=-1), targets))
            """
        ),
        # --- classic mistakes ---------------------------------------------------
        "exp_of_sum": Impl(
            """
            def perplexity(logits, targets):
                return torch.exp(F.cross_entropy(logits, targets, reduction="sum")).item()
            """,
            loses={P_VALUES, P_STABLE},
            diagnosis="exp_of_sum",
        ),
        "base_two": Impl(
            """
            def perplexity(logits, targets):
                return 2 ** F.cross_entropy(logits, targets).item()
            """,
            loses={P_VALUES, P_STABLE},
            diagnosis="base_two",
        ),
        "no_exp": Impl(  # returns the cross-entropy itself
            """
            def perplexity(logits, targets):
                return F.cross_entropy(logits, targets).item()
            """,
            loses={P_VALUES, P_STABLE},
            diagnosis="no_exp",
        ),
        "argmax_probability": Impl(  # the probability of the most likely token, not of the target
            """
            def perplexity(logits, targets):
                log_probs = torch.log_softmax(logits, dim=-1)
                return torch.exp(-log_probs.max(dim=-1).values.mean()).item()
            """,
            loses={P_VALUES, P_STABLE},
            diagnosis="argmax_probability",
        ),
        "naive_softmax": Impl(  # exp(1e4) overflows: inf / inf = nan
            """
            def perplexity(logits, targets):
                probs = torch.exp(logits) / torch.exp(logits).sum(dim=-1, keepdim=True)
                target_probs = probs[torch.arange(len(targets)), targets]
                return torch.exp(-torch.log(target_probs).mean()).item()
            """,
            loses={P_STABLE},
            diagnosis="overflow",
        ),
        "log_of_softmax": Impl(  # stable softmax, but its log underflows to -inf
            """
            def perplexity(logits, targets):
                log_probs = torch.log(torch.softmax(logits, dim=-1))
                return torch.exp(-log_probs[torch.arange(len(targets)), targets].mean()).item()
            """,
            loses={P_STABLE},
            diagnosis="log_of_softmax",
        ),
        "mean_of_exp": Impl(  # arithmetic mean of the per-token perplexities
            """
            def perplexity(logits, targets):
                return torch.exp(F.cross_entropy(logits, targets, reduction="none")).mean().item()
            """,
            loses={P_VALUES, P_STABLE},
            diagnosis="mean_of_exp",
        ),
    },
    "unigram_perplexity": {
        # --- correct alternatives -------------------------------------------------
        "counter": Impl(
            """
            from collections import Counter


            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                if isinstance(train_tokens, torch.Tensor):
                    train_tokens = train_tokens.tolist()
                if isinstance(test_tokens, torch.Tensor):
                    test_tokens = test_tokens.tolist()
                counts = Counter(train_tokens)
                total = len(train_tokens) + vocab_size
                nll = [-math.log((counts[w] + 1) / total) for w in test_tokens]
                return math.exp(sum(nll) / len(nll))
            """
        ),
        "bincount_float32": Impl(
            """
            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                train = torch.tensor(train_tokens) if not torch.is_tensor(train_tokens) else train_tokens
                test = torch.tensor(test_tokens) if not torch.is_tensor(test_tokens) else test_tokens
                probs = (torch.bincount(train, minlength=vocab_size).float() + 1) / (train.numel() + vocab_size)
                return math.exp(-torch.log(probs)[test].mean().item())
            """
        ),
        "one_hot_sum": Impl(
            """
            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                train = torch.as_tensor(train_tokens)
                test = torch.as_tensor(test_tokens)
                counts = F.one_hot(train, vocab_size).sum(dim=0).double()
                log_probs = torch.log(counts + 1) - math.log(len(train) + vocab_size)
                return math.exp(-log_probs[test].sum().item() / len(test))
            """
        ),
        # --- classic mistakes -------------------------------------------------------
        "no_smoothing": Impl(
            """
            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                probs = torch.bincount(train, minlength=vocab_size).double() / len(train)
                return torch.exp(-probs[test].log().mean()).item()
            """,
            loses={U_VALUES, U_SMOOTH, U_TRAIN},
            diagnosis="no_smoothing",
        ),
        "test_counts": Impl(  # the model is estimated on the held-out tokens
            """
            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                test = torch.as_tensor(test_tokens)
                probs = (torch.bincount(test, minlength=vocab_size).double() + 1) / (len(test) + vocab_size)
                return torch.exp(-probs[test].log().mean()).item()
            """,
            loses={U_VALUES, U_SMOOTH, U_TRAIN},
            diagnosis="test_counts",
        ),
        "no_vocab_in_denominator": Impl(  # (count + 1) / N_train: probabilities sum to more than 1
            """
            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                probs = (torch.bincount(train, minlength=vocab_size).double() + 1) / len(train)
                return torch.exp(-probs[test].log().mean()).item()
            """,
            loses={U_VALUES, U_SMOOTH, U_TRAIN},
            diagnosis="no_vocab_in_denominator",
        ),
        "distinct_tokens_as_vocab": Impl(  # V from the data instead of the vocab_size argument
            """
            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                seen = len(set(train.tolist()) | set(test.tolist()))
                probs = (torch.bincount(train, minlength=vocab_size).double() + 1) / (len(train) + seen)
                return torch.exp(-probs[test].log().mean()).item()
            """,
            loses={U_VALUES, U_SMOOTH},
            diagnosis="distinct_tokens_as_vocab",
        ),
        "lists_only": Impl(  # one feature missing: a Counter over a tensor counts 0-d tensors (hashed by
            # identity), so tensors of tokens fail; lists work. Loses the tensor cell only.
            """
            from collections import Counter


            def unigram_perplexity(train_tokens, test_tokens, vocab_size):
                counts = Counter(train_tokens)
                nll = [-math.log((counts[w] + 1) / (len(train_tokens) + vocab_size)) for w in test_tokens]
                return math.exp(sum(nll) / len(nll))
            """,
            loses={U_TENSORS},
            diagnosis="counted_by_identity",
        ),
    },
    "bigram_perplexity": {
        # --- correct alternatives ---------------------------------------------------
        "counter": Impl(
            """
            from collections import Counter


            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train = train_tokens.tolist() if isinstance(train_tokens, torch.Tensor) else list(train_tokens)
                test = test_tokens.tolist() if isinstance(test_tokens, torch.Tensor) else list(test_tokens)
                pairs = Counter(zip(train[:-1], train[1:]))
                prefixes = Counter(train[:-1])
                nll = [-math.log((pairs[u, w] + 1) / (prefixes[u] + vocab_size)) for u, w in zip(test[:-1], test[1:])]
                return math.exp(sum(nll) / len(nll))
            """
        ),
        "all_tokens_prefix": Impl(  # count(u) over all training tokens: the other reasonable choice
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float64)
                ones = torch.ones(len(train) - 1, dtype=torch.float64)
                counts.index_put_((train[:-1], train[1:]), ones, accumulate=True)
                unigram_counts = torch.bincount(train, minlength=vocab_size).double()
                probs = (counts + 1) / (unigram_counts[:, None] + vocab_size)
                return math.exp(-probs[test[:-1], test[1:]].log().mean().item())
            """
        ),
        "loop_matrix_float32": Impl(
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = list(map(int, train_tokens)), list(map(int, test_tokens))
                counts = torch.ones(vocab_size, vocab_size)
                for u, w in zip(train, train[1:]):
                    counts[u, w] += 1
                probs = counts / counts.sum(dim=1, keepdim=True)  # (count + 1) / (count(u) + V)
                log_probs = torch.log(probs)
                total = sum(log_probs[u, w] for u, w in zip(test, test[1:]))
                return torch.exp(-total / (len(test) - 1)).item()
            """
        ),
        # --- classic mistakes -----------------------------------------------------------
        "no_smoothing": Impl(
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                counts = torch.bincount(train[:-1] * vocab_size + train[1:], minlength=vocab_size**2)
                counts = counts.reshape(vocab_size, vocab_size).double()
                probs = counts / counts.sum(dim=1, keepdim=True)
                return torch.exp(-probs[test[:-1], test[1:]].log().mean()).item()
            """,
            loses={B_VALUES, B_SMOOTH, B_TRAIN, B_COND},
            diagnosis="no_smoothing",
        ),
        "test_counts": Impl(  # the model is estimated on the held-out tokens
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                test = torch.as_tensor(test_tokens)
                counts = torch.bincount(test[:-1] * vocab_size + test[1:], minlength=vocab_size**2)
                counts = counts.reshape(vocab_size, vocab_size).double()
                probs = (counts + 1) / (counts.sum(dim=1, keepdim=True) + vocab_size)
                return torch.exp(-probs[test[:-1], test[1:]].log().mean()).item()
            """,
            loses={B_VALUES, B_SMOOTH, B_TRAIN, B_COND},
            diagnosis="test_counts",
        ),
        "no_vocab_in_denominator": Impl(  # (count(u, w) + 1) / count(u): 0 / 0 for unseen prefixes
            """
            from collections import Counter


            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = list(map(int, train_tokens)), list(map(int, test_tokens))
                pairs, prefixes = Counter(zip(train, train[1:])), Counter(train[:-1])
                nll = [-math.log((pairs[u, w] + 1) / prefixes[u]) for u, w in zip(test, test[1:])]
                return math.exp(sum(nll) / len(nll))
            """,
            loses={B_VALUES, B_SMOOTH, B_TRAIN, B_COND},
            diagnosis="no_vocab_in_denominator",
        ),
        "swapped_condition": Impl(  # P(previous | next): counts indexed [w, u]
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                counts = torch.bincount(train[:-1] * vocab_size + train[1:], minlength=vocab_size**2)
                counts = counts.reshape(vocab_size, vocab_size).double()
                probs = (counts + 1) / (counts.sum(dim=1, keepdim=True) + vocab_size)
                return torch.exp(-probs[test[1:], test[:-1]].log().mean()).item()
            """,
            loses={B_VALUES, B_SMOOTH, B_TRAIN, B_COND},
            diagnosis="swapped_condition",
        ),
        "normalised_by_next": Impl(  # divides count(u, w) by the count of w
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                counts = torch.bincount(train[:-1] * vocab_size + train[1:], minlength=vocab_size**2)
                counts = counts.reshape(vocab_size, vocab_size).double()
                probs = (counts + 1) / (torch.bincount(train, minlength=vocab_size).double() + vocab_size)
                return torch.exp(-probs[test[:-1], test[1:]].log().mean()).item()
            """,
            loses={B_VALUES, B_SMOOTH, B_COND},
            diagnosis="normalised_by_next",
        ),
        "joint_probability": Impl(  # P(u, w) instead of P(w | u)
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                counts = torch.bincount(train[:-1] * vocab_size + train[1:], minlength=vocab_size**2)
                counts = counts.reshape(vocab_size, vocab_size).double()
                probs = (counts + 1) / (len(train) - 1 + vocab_size**2)
                return torch.exp(-probs[test[:-1], test[1:]].log().mean()).item()
            """,
            loses={B_VALUES, B_SMOOTH, B_TRAIN, B_COND},
            diagnosis="joint_probability",
        ),
        "wraparound_pair": Impl(  # torch.roll: a pair (last token, first token) that is not in the text
            """
            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                train, test = torch.as_tensor(train_tokens), torch.as_tensor(test_tokens)
                counts = torch.bincount(train * vocab_size + train.roll(-1), minlength=vocab_size**2)
                counts = counts.reshape(vocab_size, vocab_size).double()
                probs = (counts + 1) / (counts.sum(dim=1, keepdim=True) + vocab_size)
                return torch.exp(-probs[test[:-1], test[1:]].log().mean()).item()
            """,
            loses={B_TRAIN},
            diagnosis="wraparound_pair",
        ),
        "lists_only": Impl(  # one feature missing: Counters over zip(train, train[1:]) of tensors count pairs of
            # 0-d tensors (hashed by identity): every lookup misses. Lists work. Loses the tensor cell only.
            """
            from collections import Counter


            def bigram_perplexity(train_tokens, test_tokens, vocab_size):
                pairs = Counter(zip(train_tokens[:-1], train_tokens[1:]))
                prefixes = Counter(train_tokens[:-1])
                nll = [
                    -math.log((pairs[u, w] + 1) / (prefixes[u] + vocab_size))
                    for u, w in zip(test_tokens[:-1], test_tokens[1:])
                ]
                return math.exp(sum(nll) / len(nll))
            """,
            loses={B_TENSORS},
            diagnosis="counted_by_identity",
        ),
    },
}

STUDENTS = {
    "alt_builtin_counter_counter": {
        "perplexity": "builtin_cross_entropy",
        "unigram_perplexity": "counter",
        "bigram_perplexity": "counter",
    },
    "alt_logsumexp_float32_all_tokens": {
        "perplexity": "logsumexp",
        "unigram_perplexity": "bincount_float32",
        "bigram_perplexity": "all_tokens_prefix",
    },
    "alt_max_shift_one_hot_loop": {
        "perplexity": "manual_max_shift",
        "unigram_perplexity": "one_hot_sum",
        "bigram_perplexity": "loop_matrix_float32",
    },
    "alt_nll_loss_lists_only": {"perplexity": "nll_loss", "bigram_perplexity": "lists_only"},
    "wrong_exp_sum_no_smoothing": {
        "perplexity": "exp_of_sum",
        "unigram_perplexity": "no_smoothing",
        "bigram_perplexity": "no_smoothing",
    },
    "wrong_base_two_test_counts": {
        "perplexity": "base_two",
        "unigram_perplexity": "test_counts",
        "bigram_perplexity": "test_counts",
    },
    "wrong_no_exp_no_vocab": {
        "perplexity": "no_exp",
        "unigram_perplexity": "no_vocab_in_denominator",
        "bigram_perplexity": "no_vocab_in_denominator",
    },
    "wrong_argmax_distinct_swapped": {
        "perplexity": "argmax_probability",
        "unigram_perplexity": "distinct_tokens_as_vocab",
        "bigram_perplexity": "swapped_condition",
    },
    "wrong_naive_softmax_lists_by_next": {
        "perplexity": "naive_softmax",
        "unigram_perplexity": "lists_only",
        "bigram_perplexity": "normalised_by_next",
    },
    "wrong_log_softmax_joint": {"perplexity": "log_of_softmax", "bigram_perplexity": "joint_probability"},
    "wrong_mean_of_exp_wraparound": {"perplexity": "mean_of_exp", "bigram_perplexity": "wraparound_pair"},
}
