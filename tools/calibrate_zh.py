"""Calibration numbers of the Chinese corpus (data/tangshi.txt) for the Chinese edition (docs/benchmarks.md).

    python -m tools.calibrate_zh                  # everything (10-20 CPU-minutes on one thread)
    python -m tools.calibrate_zh --only counts    # corpus | counts | lookup | epochs | bounds | notebooks
    python -m tools.calibrate_zh --only epochs --seed 1 --models rnn-256-lookup,gru-256-lookup

1. **corpus**: size, vocabulary, the held-out split (the last 10%, `helpers.train_test_split`).
2. **counts**: add-one smoothed unigram, bigram and trigram perplexities (04's definitions: counts from
   the training part only, V = the whole corpus's vocabulary), on the training text and held out; the
   same on The Time Machine, whose numbers docs/benchmarks.md already gives (a check of this code).
3. **lookup**: one-hot inputs times a weight matrix, `F.one_hot(X.T, V).float() @ W`, against the row
   lookup `W[X.T]`, for a minibatch of 32 x 35 tokens: the median CPU time of the forward pass and of the
   forward and backward pass, and the size of what each builds, at 28 tokens and at the corpus's V.
4. **epochs**: epochs of small nn.RNN / nn.GRU language models (`--models`; sequential minibatches of
   32 x 35 over the training part, Adam, gradient clipping at 1), with one-hot inputs (D2L's concise
   model, as 07 has) or a row lookup (nn.Embedding): seconds and CPU seconds per epoch, the training and
   held-out perplexities after each. A model name ending in `-n01` (`gru-256-onehot-n01`) draws the
   layer's input weights from N(0, 1), as 07's `train` does; `--corpus timemachine` times the other corpus.
5. **bounds**: every unigram and bigram of 04's synthetic students (tests/grading/students_04_perplexity.py)
   on both corpora's split, against the reference the hidden corpus checks compare with (relative
   difference, pass or fail at their rtol), and its CPU time.
6. **notebooks**: both editions' times of the solution notebooks that read the edition's corpus
   (tests/test_zh_notebooks.py's), start to finish with their hidden tests, one kernel each
   (`OMP_NUM_THREADS=1`), English and Chinese alternating over two rounds: wall and kernel CPU seconds.

Timings depend on the machine and its load; compare ratios measured in one run. With one thread, CPU
seconds of this process change much less with other processes' load than wall time does.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import helpers


def corpus_numbers() -> None:
    text = helpers.read_text(corpus="tangshi")
    corpus, vocab = helpers.load_corpus(corpus="tangshi")
    train, test = helpers.train_test_split(corpus)
    seen = set(train)
    counts = collections.Counter(train)
    print("## corpus")
    print(f"file: {len(text.encode()):,} bytes, {len(text.splitlines()):,} poems, {len(text):,} characters")
    print(f"tokens: {len(corpus):,} (chars mode); vocabulary: {len(vocab):,} (incl. <unk>)")
    print(f"train: {len(train):,} tokens, {len(seen):,} distinct, {sum(c == 1 for c in counts.values()):,} seen once")
    unseen = [token for token in test if token not in seen]
    print(f"held out (last 10%): {len(test):,} tokens; {len(unseen)} of them ({len(set(unseen))} types) not in train")
    size = len(corpus) * len(vocab)
    print(f"the whole corpus one-hot: {size * 8 / 1e9:.2f} GB as F.one_hot's int64, {size * 4 / 1e9:.2f} GB as float32")
    frequent = [vocab.idx_to_token[i] for i in range(1, 21)]
    print(f"most frequent tokens: {' '.join(repr(t) for t in frequent)}")


def ngram_perplexity(train: list[int], test: list[int], vocab_size: int, n: int, k: float = 1.0) -> float:
    """Add-k smoothed n-gram perplexity: P(w | ctx) = (c(ctx, w) + k) / (c(ctx) + k V), counts from train,
    predicting test[n-1:] (n = 1: P(w) = (c(w) + k) / (N_train + k V)); k = 1 is 04's add-one."""
    grams = collections.Counter(tuple(train[i : i + n]) for i in range(len(train) - n + 1))
    contexts = collections.Counter()
    for gram, count in grams.items():
        contexts[gram[:-1]] += count
    nll = 0.0
    for i in range(n - 1, len(test)):
        gram = tuple(test[i - n + 1 : i + 1])
        nll -= math.log((grams[gram] + k) / (contexts[gram[:-1]] + k * vocab_size))
    return math.exp(nll / (len(test) - n + 1))


def count_numbers() -> None:
    print("## counts (add-one; train = first 90%, held out = last 10%)")
    for name in ("timemachine", "tangshi"):
        corpus, vocab = helpers.load_corpus(corpus=name)
        train, test = helpers.train_test_split(corpus)
        start = time.perf_counter()
        cells = []
        for n, label in ((1, "unigram"), (2, "bigram"), (3, "trigram")):
            on_train = ngram_perplexity(train, train, len(vocab), n)
            held_out = ngram_perplexity(train, test, len(vocab), n)
            cells.append(f"{label} {on_train:.2f} / {held_out:.2f}")
        seconds = time.perf_counter() - start
        print(
            f"{name} (V = {len(vocab)}, uniform {len(vocab)}), train / held out: {'; '.join(cells)} [{seconds:.1f} s]"
        )
    # Add-k (04's "going further" 2): k chosen on the last 10% of the training part, then held out.
    corpus, vocab = helpers.load_corpus(corpus="tangshi")
    train, test = helpers.train_test_split(corpus)
    fit, validation = helpers.train_test_split(train)
    for n in (1, 2, 3):
        ks = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
        on_validation = {k: ngram_perplexity(fit, validation, len(vocab), n, k) for k in ks}
        best = min(on_validation, key=on_validation.get)
        held_out = ngram_perplexity(train, test, len(vocab), n, best)
        print(
            f"tangshi add-k, n={n}: validation {', '.join(f'k={k:g} {v:.0f}' for k, v in on_validation.items())}; "
            f"k={best:g} held out {held_out:.2f}"
        )


def median_time(fn, rounds: int = 15) -> float:
    """The median CPU time of fn() in this process (one thread: close to its wall time on an idle core)."""
    fn()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def lookup_numbers(threads: int, batch_size: int = 32, num_steps: int = 35) -> None:
    torch.set_num_threads(threads)
    print(f"## one-hot @ W vs W[idx] ({threads} thread(s), minibatch {batch_size} x {num_steps}; median CPU ms of 15)")
    for vocab_size in (28, len(helpers.load_corpus(corpus="tangshi")[1])):
        for hidden in (256, 512):
            print(f"V={vocab_size}, H={hidden}: {compare_lookup(vocab_size, hidden, batch_size, num_steps)}")


def compare_lookup(vocab_size: int, hidden: int, batch_size: int, num_steps: int) -> str:
    X = torch.randint(0, vocab_size, (batch_size, num_steps), generator=torch.Generator().manual_seed(0))
    W = torch.randn(vocab_size, hidden, requires_grad=True)
    inputs = F.one_hot(X.T, vocab_size).float()  # (T, B, V)

    def one_hot():
        return F.one_hot(X.T, vocab_size).float() @ W  # (T, B, V) @ (V, H) -> (T, B, H)

    def lookup():
        return W[X.T]  # (T, B, H)

    def embedding():
        return F.embedding(X.T, W)  # (T, B, H), what nn.Embedding does

    assert torch.allclose(one_hot(), lookup()) and torch.equal(lookup(), embedding())
    ms = {
        "build one-hot": median_time(lambda: F.one_hot(X.T, vocab_size).float()),
        "its product": median_time(lambda: inputs @ W),
        "one-hot @ W": median_time(one_hot),
        "W[idx]": median_time(lookup),
        "F.embedding": median_time(embedding),
    }
    for name, f in (("one-hot @ W", one_hot), ("W[idx]", lookup), ("F.embedding", embedding)):
        ms[f"{name} fwd+bwd"] = median_time(lambda f=f: f().sum().backward())
    times = ", ".join(f"{name} {seconds * 1e3:.3f}" for name, seconds in ms.items())
    backward = ms["one-hot @ W fwd+bwd"] / ms["W[idx] fwd+bwd"]
    ratios = f"forward {ms['one-hot @ W'] / ms['W[idx]']:.0f}x, forward+backward {backward:.1f}x"
    tokens = batch_size * num_steps
    sizes = (
        f"one-hot {tokens * vocab_size * 8 / 1e6:.2f} MB (int64) + {tokens * vocab_size * 4 / 1e6:.2f} MB (float32) "
        f"vs {tokens * hidden * 4 / 1e6:.2f} MB looked up; W {vocab_size * hidden * 4 / 1e6:.2f} MB; "
        f"{tokens * vocab_size * hidden * 2 / 1e9:.2f} GFLOP in the product"
    )
    return f"ms: {times}; one-hot/lookup {ratios}; {sizes}"


class LanguageModel(nn.Module):
    """nn.RNN / nn.GRU + a linear output layer; inputs one-hot (D2L's concise model) or looked up."""

    def __init__(self, cell: str, vocab_size: int, hidden: int, lookup: bool, n01: bool = False):
        super().__init__()
        self.vocab_size, self.lookup = vocab_size, lookup
        self.embedding = nn.Embedding(vocab_size, hidden) if lookup else None
        rnn = {"rnn": nn.RNN, "gru": nn.GRU}[cell]
        self.rnn = rnn(hidden if lookup else vocab_size, hidden)
        if n01:  # 07's train(): each token's input column drawn as nn.Embedding draws a row
            with torch.no_grad():
                self.rnn.weight_ih_l0.normal_(0, 1)
        self.output = nn.Linear(hidden, vocab_size)

    def forward(self, X, state=None):
        inputs = self.embedding(X.T) if self.lookup else F.one_hot(X.T, self.vocab_size).float()  # (T, B, .)
        outputs, state = self.rnn(inputs, state)  # (T, B, H)
        return self.output(outputs), state  # (T, B, V)


def sequential_batches(corpus: list[int], batch_size: int, num_steps: int):
    """D2L's sequential partition (no random offset): rows continue from one minibatch to the next."""
    data = torch.tensor(corpus)
    rows = (len(data) - 1) // batch_size
    X = data[: rows * batch_size].reshape(batch_size, rows)
    Y = data[1 : rows * batch_size + 1].reshape(batch_size, rows)
    for start in range(0, rows - num_steps + 1, num_steps):
        yield X[:, start : start + num_steps], Y[:, start : start + num_steps]


def heldout_perplexity(model: LanguageModel, test: list[int]) -> float:
    with torch.no_grad():
        X, Y = torch.tensor(test[:-1])[None], torch.tensor(test[1:])[None]  # (1, N - 1)
        logits, _ = model(X)  # (N - 1, 1, V)
        return math.exp(F.cross_entropy(logits.reshape(-1, model.vocab_size), Y.T.reshape(-1)).item())


#: The models timed by default: cell-hidden units-inputs.
MODELS = ("rnn-256-onehot", "rnn-256-lookup", "gru-256-onehot", "gru-256-lookup", "gru-128-lookup", "gru-512-lookup")


def epoch_numbers(
    models, epochs: int, threads: int, seed: int, lr: float, batch_size: int = 32, num_steps: int = 35, name="tangshi"
):
    torch.set_num_threads(threads)
    corpus, vocab = helpers.load_corpus(corpus=name)
    train, test = helpers.train_test_split(corpus)
    tokens = len(list(sequential_batches(train, batch_size, num_steps))) * batch_size * num_steps
    print(
        f"## epochs of {name} ({threads} thread(s), seed {seed}, Adam lr {lr}; {tokens:,} tokens per epoch, "
        f"V = {len(vocab)})"
    )
    for model_name in models:
        cell, hidden, inputs, *init = model_name.split("-")  # e.g. gru-256-lookup, rnn-256-onehot-n01
        hidden, lookup = int(hidden), inputs == "lookup"
        helpers.set_seed(seed)
        model = LanguageModel(cell, len(vocab), hidden, lookup, n01=init == ["n01"])
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        seconds, cpu_seconds, train_perplexities, perplexities = [], [], [], []
        for _ in range(epochs):
            start, cpu_start, state, losses = time.perf_counter(), time.process_time(), None, []
            for X, Y in sequential_batches(train, batch_size, num_steps):
                state = state.detach() if state is not None else None
                logits, state = model(X, state)
                loss = F.cross_entropy(logits.reshape(-1, len(vocab)), Y.T.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                losses.append(loss.item())
            seconds.append(time.perf_counter() - start)
            cpu_seconds.append(time.process_time() - cpu_start)
            train_perplexities.append(math.exp(statistics.mean(losses)))
            perplexities.append(heldout_perplexity(model, test))
        print(
            f"{cell.upper()} H={hidden}, {'row lookup' if lookup else 'one-hot'}{', W_ih N(0, 1)' if init else ''}: "
            f"{statistics.median(seconds):.2f} s per epoch, "
            f"{statistics.median(cpu_seconds):.2f} CPU-s ({tokens / statistics.median(cpu_seconds):,.0f} tokens per "
            f"CPU-second); perplexity after each epoch, train / held out: "
            f"{', '.join(f'{a:.2f} / {b:.2f}' for a, b in zip(train_perplexities, perplexities))}"
        )


def bound_numbers() -> None:
    """04's hidden checks on the corpus (rtol 1e-5 unigram, 1e-4 bigram) for every synthetic student's
    implementation, on both corpora."""
    import textwrap

    from tests.grading.students_04_perplexity import IMPLEMENTATIONS

    for name in ("timemachine", "tangshi"):
        corpus, vocab = helpers.load_corpus(corpus=name)
        train, test = helpers.train_test_split(corpus, 0.1)
        for function, rtol in (("unigram_perplexity", 1e-5), ("bigram_perplexity", 1e-4)):
            reference = ngram_perplexity(train, test, len(vocab), 1 if function.startswith("unigram") else 2)
            for student, impl in IMPLEMENTATIONS[function].items():
                namespace = {"math": math, "torch": torch, "F": F, "collections": collections}
                exec(textwrap.dedent(impl.source), namespace)
                start = time.process_time()
                try:
                    value = float(namespace[function](train, test, len(vocab)))
                except Exception as error:  # a mistake may raise (0 / 0)
                    value = f"{type(error).__name__}"
                seconds = time.process_time() - start
                difference = abs(value - reference) / reference if isinstance(value, float) else math.nan
                verdict = "pass" if difference <= rtol else "fail"  # nan and inf fail
                print(f"{name:11s} {function:18s} {student:24s} {difference:9.2e} {verdict} {seconds:5.2f} CPU-s")


def notebook_numbers(rounds: int = 2) -> None:
    """Both editions' times of the notebooks that read the edition's corpus, alternating, in one run."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    from tests.test_zh_notebooks import ZH_CORPUS

    os.environ["OMP_NUM_THREADS"] = "1"
    for round_ in range(rounds):
        for assignment in ZH_CORPUS:
            for language in ("en", "zh") if round_ % 2 == 0 else ("zh", "en"):
                path = helpers.DATA_DIR.parent / "solutions" / assignment / f"{assignment}.ipynb"
                nb = nbformat.read(path, as_version=4)
                os.environ[helpers.LANGUAGE_ENV] = language
                client = NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}})
                start = time.perf_counter()
                with client.setup_kernel():
                    kernel = psutil.Process(client.km.provisioner.process.pid)
                    for index, cell in enumerate(nb.cells):
                        client.execute_cell(cell, index)
                    cpu = sum(kernel.cpu_times()[:2])
                print(
                    f"round {round_} {assignment:16s} {language}: {time.perf_counter() - start:5.1f} s, "
                    f"kernel {cpu:5.1f} CPU-s, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", choices=["corpus", "counts", "lookup", "epochs", "bounds", "notebooks"]
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (06, 07 pin 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=0.005, help="Adam's learning rate of the epoch runs")
    parser.add_argument("--models", default=",".join(MODELS), help="cell-hidden-inputs[-n01], comma-separated")
    parser.add_argument("--corpus", default="tangshi", choices=["tangshi", "timemachine"], help="of the epoch runs")
    args = parser.parse_args()
    only = args.only or ["corpus", "counts", "lookup", "epochs", "bounds", "notebooks"]
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, torch {torch.__version__}, load {os.getloadavg()}")
    if "corpus" in only:
        corpus_numbers()
    if "counts" in only:
        count_numbers()
    if "lookup" in only:
        lookup_numbers(args.threads)
    if "epochs" in only:
        epoch_numbers(args.models.split(","), args.epochs, args.threads, args.seed, args.lr, name=args.corpus)
    if "bounds" in only:
        bound_numbers()
    if "notebooks" in only:
        notebook_numbers()


if __name__ == "__main__":
    main()
