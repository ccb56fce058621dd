"""PyTorch reference for bench/workloads/rnn_lm.ts: the same PTB-small language model
(nn.Embedding -> nn.LSTM or nn.GRU, 2 layers -> nn.Linear -> CrossEntropyLoss, Adam),
the same sizes and the same timing protocol (warm-up steps discarded, then `reps`
repetitions of `steps` steps, median of the per-repetition mean ms/step).

Prints one JSON line. bench/run.ts starts it with the OpenBLAS core the seqlab side runs
(OPENBLAS_CORETYPE), and with the fastest of torch threads × OPENBLAS_NUM_THREADS it found
(--threads sets torch.set_num_threads); backendDetail names the core and both thread counts.

    /usr/bin/python3 bench/torch/lstm_lm.py --cell lstm --steps 10 --reps 3
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn

from blas_info import blas_detail, peak_matmul_gflops  # bench/torch/blas_info.py


class LM(nn.Module):
    def __init__(self, cell, V, E, H, L):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(E, H, num_layers=L, batch_first=True)
        self.out = nn.Linear(H, V)

    def forward(self, ids):
        h, _ = self.rnn(self.emb(ids))  # [B, T, H]
        return self.out(h)  # [B, T, V]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
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
    s = dict(V=500, E=16, H=16, L=2, T=8, B=4) if a.quick else dict(V=10000, E=200, H=200, L=2, T=20, B=20)
    model = LM(a.cell, s["V"], s["E"], s["H"], s["L"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.randint(0, s["V"], (s["B"], s["T"])), torch.randint(0, s["V"], (s["B"], s["T"]))) for _ in range(4)]
    k = [0]
    split = {"forward": [], "backward": [], "optimizer": []}
    last = [float("nan")]

    def step(record):
        ids, targets = batches[k[0] % len(batches)]
        k[0] += 1
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(ids).reshape(-1, s["V"]), targets.reshape(-1))
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
        "workload": f"{a.cell}_lm",
        "backend": "pytorch",
        "backendDetail": f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {blas_detail()}",
        "sizes": s,
        "warmup": a.warmup,
        "reps": a.reps,
        "steps": a.steps,
        "repMs": rep_ms,
        "msPerStep": ms,
        "tokensPerSec": s["B"] * s["T"] / (ms / 1000),
        "peakGflops": peak_matmul_gflops(a.peak_size, a.peak_blas_threads),
        "peakSize": a.peak_size,
        "breakdownMs": {key: statistics.median(v) for key, v in split.items()},
        "finalLoss": last[0],
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
