"""PyTorch reference for bench/workloads/tagger.ts: the same biLSTM-CRF tagger (Lample et
al. 2016) -- nn.Embedding (+ a char biLSTM over each word's characters, packed) ->
nn.LSTM(bidirectional) -> nn.Linear -> a linear-chain CRF written in plain torch (score of
the gold path, log Z by the forward algorithm with logsumexp, masked; pytorch-crf's
equations), negative mean log-likelihood, Adam -- with the same sizes, the same batches'
shapes (T = 14 for every sentence, all-ones mask; word i = b*T + t has 1 + (7i mod C)
characters) and the same timing protocol (warm-up steps discarded, then `reps`
repetitions of `steps` steps, median of the per-repetition mean ms/step).

Prints one JSON line. bench/run.ts starts it with the OpenBLAS core the seqlab side runs
(OPENBLAS_CORETYPE), and with the fastest of torch threads × OPENBLAS_NUM_THREADS it found
(--threads sets torch.set_num_threads); backendDetail names the core and both thread counts.

    /usr/bin/python3 bench/torch/bilstm_crf.py --chars --steps 10 --reps 3
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

from blas_info import blas_detail, peak_matmul_gflops  # bench/torch/blas_info.py


class Crf(nn.Module):
    """Linear-chain CRF; transitions[i, j] = score of tag i followed by tag j."""

    def __init__(self, K):
        super().__init__()
        self.start = nn.Parameter(torch.empty(K).uniform_(-0.1, 0.1))
        self.end = nn.Parameter(torch.empty(K).uniform_(-0.1, 0.1))
        self.transitions = nn.Parameter(torch.empty(K, K).uniform_(-0.1, 0.1))

    def log_likelihood(self, e, tags, mask):
        """e [B, T, K], tags [B, T] long, mask [B, T] bool (right padding) -> [B]."""
        B, T, K = e.shape
        m = mask.float()
        # score of the gold path
        emitted = e.gather(2, tags.unsqueeze(2)).squeeze(2)  # [B, T]
        score = self.start[tags[:, 0]] + (emitted * m).sum(1)  # [B]
        score = score + (self.transitions[tags[:, :-1], tags[:, 1:]] * m[:, 1:]).sum(1)  # [B]
        last = tags.gather(1, (mask.long().sum(1) - 1).unsqueeze(1)).squeeze(1)  # [B]
        score = score + self.end[last]
        # log Z, forward algorithm
        alpha = self.start + e[:, 0]  # [B, K]
        for t in range(1, T):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions, dim=1) + e[:, t]  # [B, K]
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
        log_z = torch.logsumexp(alpha + self.end, dim=1)  # [B]
        return score - log_z


class Tagger(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        self.emb = nn.Embedding(s["V"], s["E"])
        D = s["E"]
        if s["alphabet"] > 0:
            self.char_emb = nn.Embedding(s["alphabet"], s["Ec"], padding_idx=0)
            self.char_lstm = nn.LSTM(s["Ec"], s["Hc"], batch_first=True, bidirectional=True)
            D += 2 * s["Hc"]
        self.lstm = nn.LSTM(D, s["H"], batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * s["H"], s["K"])
        self.crf = Crf(s["K"])

    def loss(self, words, tags, mask, chars, char_lengths):
        B, T = words.shape
        x = self.emb(words)  # [B, T, E]
        if chars is not None:
            packed = pack_padded_sequence(self.char_emb(chars.view(B * T, -1)), char_lengths, batch_first=True, enforce_sorted=False)
            _, (h, _) = self.char_lstm(packed)  # h [2, B*T, Hc] (forward final, backward final)
            x = torch.cat([x, torch.cat([h[0], h[1]], 1).view(B, T, -1)], 2)  # [B, T, E + 2Hc]
        h, _ = self.lstm(x)  # [B, T, 2H]
        return -self.crf.log_likelihood(self.out(h), tags, mask).mean()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chars", action="store_true", help="character features")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--peak-size", type=int, default=1024)
    p.add_argument("--peak-blas-threads", type=int, default=0, help="OpenBLAS threads of the peak matmul (0: as configured)")
    p.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run")
    p.add_argument("--seed", type=int, default=1234)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.quick:
        s = dict(V=200, E=16, H=16, K=9, T=6, B=4, alphabet=30, Ec=8, Hc=8, C=6)
    else:
        s = dict(V=20000, E=100, H=100, K=9, T=14, B=32, alphabet=100, Ec=25, Hc=25, C=10)
    if not a.chars:
        s["alphabet"] = 0
    B, T, C = s["B"], s["T"], s["C"]
    model = Tagger(s)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    char_lengths = torch.tensor([1 + (7 * i) % C for i in range(B * T)])

    def batch():
        chars = None
        if a.chars:
            chars = torch.randint(1, s["alphabet"], (B * T, C))
            chars[torch.arange(C).unsqueeze(0) >= char_lengths.unsqueeze(1)] = 0
            chars = chars.view(B, T, C)
        return (torch.randint(0, s["V"], (B, T)), torch.randint(0, s["K"], (B, T)), torch.ones(B, T, dtype=torch.bool), chars)

    batches = [batch() for _ in range(4)]
    k = [0]
    split = {"forward": [], "backward": [], "optimizer": []}
    last = [float("nan")]

    def step(record):
        words, tags, mask, chars = batches[k[0] % len(batches)]
        k[0] += 1
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(words, tags, mask, chars, char_lengths)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        last[0] = loss.item()
        if record:
            split["forward"].append((t1 - t0) * 1000)
            split["backward"].append((t2 - t1) * 1000)
            split["optimizer"].append((t3 - t2) * 1000)
        return (t3 - t0) * 1000

    for _ in range(a.warmup):
        step(False)
    rep_ms = []
    for _ in range(max(1, a.reps)):
        rep_ms.append(sum(step(True) for _ in range(max(1, a.steps))) / max(1, a.steps))
    ms = statistics.median(rep_ms)
    print(json.dumps({
        "workload": "bilstm_crf_chars" if a.chars else "bilstm_crf",
        "backend": "pytorch",
        "backendDetail": f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {blas_detail()}",
        "sizes": s,
        "warmup": a.warmup,
        "reps": a.reps,
        "steps": a.steps,
        "repMs": rep_ms,
        "msPerStep": ms,
        "sentencesPerSec": B / (ms / 1000),
        "tokensPerSec": B * T / (ms / 1000),
        "peakGflops": peak_matmul_gflops(a.peak_size, a.peak_blas_threads),
        "peakSize": a.peak_size,
        "breakdownMs": {key: statistics.median(v) for key, v in split.items()},
        "finalLoss": last[0],
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
