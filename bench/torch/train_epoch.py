"""PyTorch reference for bench/workloads/train_epoch.ts: the training loop of pytorch/examples'
word_language_model (main.py: batchify, get_batch, repackage_hidden, clip_grad_norm_, the
manual SGD update p.data.add_(p.grad, alpha=-lr)) with seqlab's recipe: the PTB-small LSTM
LM (Embedding 200 -> 2-layer LSTM 200 -> Linear, weights ~ U(-0.1, 0.1), no dropout), B = 20
streams, bptt 20, the loss summed over the window's 20 steps (mean over the batch), lr 1,
the gradient's global norm clipped at 5, the state carried (detached) between windows, and
the loss read back every step (trainLm reads it too).

Timing as the seqlab side: a wall-clock stamp after every step; the `warmup` first steps
dropped; the rest cut into `reps` blocks of `steps`; the median block mean. The data (read,
vocabulary, ids, batchify) is prepared before the loop on both sides.

Vocabulary: PTB's 10,000 word types (with <unk>) plus <eos>, 10,001; seqlab's Vocab adds
<PAD> and <SOS> and maps <unk> to its <UNK> (10,002 measured), 0.01 % more output rows.

Prints one JSON line. bench/run.ts starts it with the same OpenBLAS core as the seqlab side
and the fastest torch × BLAS thread pair it found.

    /usr/bin/python3 bench/torch/train_epoch.py --data $SEQLAB_DATA/ptb/ptb.train.txt --reps 3 --steps 100
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn

from blas_info import blas_detail  # bench/torch/blas_info.py


class RnnLm(nn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, L)
        self.out = nn.Linear(H, V)
        for p in self.parameters():
            nn.init.uniform_(p, -0.1, 0.1)

    def forward(self, ids, hidden):  # ids [T, B]
        y, hidden = self.rnn(self.emb(ids), hidden)
        return self.out(y), hidden  # [T, B, V]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="ptb.train.txt")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="the first 2,000 sentences and a small model")
    p.add_argument("--seed", type=int, default=1234)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    # The data: a stream of ids, <eos> after every line (word_language_model's Corpus).
    with open(a.data, encoding="utf8") as f:
        lines = f.readlines()
    if a.quick:
        lines = lines[:2000]
    vocab = {"<eos>": 0}
    ids = []
    for line in lines:
        for w in line.split() + ["<eos>"]:
            ids.append(vocab.setdefault(w, len(vocab)))
    V = len(vocab)
    B, k = (4, 20) if a.quick else (20, 20)
    size = 32 if a.quick else 200
    data = torch.tensor(ids, dtype=torch.long)
    n = data.size(0) // B
    data = data[: n * B].view(B, n).t().contiguous()  # batchify: [n, B]
    total = a.warmup + a.reps * a.steps
    if (n - 1) // k < total:
        raise SystemExit(f"train_epoch.py: the epoch has fewer than {total} windows")

    model = RnnLm(V, size, size, 2)
    criterion = nn.CrossEntropyLoss()
    lr, clip = 1.0, 5.0
    hidden = (torch.zeros(2, B, size), torch.zeros(2, B, size))
    stamps, losses = [], []
    start = time.perf_counter()
    model.train()
    for step in range(total):
        i = step * k
        inputs, targets = data[i : i + k], data[i + 1 : i + 1 + k].reshape(-1)  # get_batch
        hidden = tuple(h.detach() for h in hidden)  # repackage_hidden
        model.zero_grad()
        logits, hidden = model(inputs, hidden)
        loss = criterion(logits.view(-1, V), targets)
        (loss * k).backward()  # summed over the window's k steps, as trainLm with SGD
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p_ in model.parameters():
            p_.data.add_(p_.grad, alpha=-lr)
        losses.append(loss.item())
        stamps.append(time.perf_counter())
    step_ms = [(t - (stamps[j - 1] if j > 0 else start)) * 1000 for j, t in enumerate(stamps)]
    timed = step_ms[a.warmup :]
    rep_ms = [statistics.mean(timed[r * a.steps : (r + 1) * a.steps]) for r in range(a.reps)]
    ms = statistics.median(rep_ms)
    print(json.dumps({
        "workload": "train_epoch",
        "backend": "pytorch",
        "backendDetail": f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {blas_detail()}",
        "sizes": {"V": V, "E": size, "H": size, "L": 2, "T": k, "B": B},
        "warmup": a.warmup,
        "reps": a.reps,
        "steps": a.steps,
        "repMs": rep_ms,
        "msPerStep": ms,
        "tokensPerSec": B * k / (ms / 1000),
        "meanLoss": statistics.mean(losses[a.warmup :]),
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
