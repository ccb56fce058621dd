"""PyTorch reference for bench/workloads/generation.ts: greedy generation with the PTB-small
language model of lstm_lm.py, one token at a time with the recurrent state carried
(`model.rnn(x, state)` for T = 1, then argmax of the output layer). The same timing
protocol: warm-up tokens discarded, `reps` repetitions of `tokens` tokens, median ms/token.
bench/run.ts starts it as it starts lstm_lm.py (same core, fastest thread setting found).

    /usr/bin/python3 bench/torch/generate.py --cell lstm --tokens 100 --reps 3
"""
import argparse
import json
import resource
import statistics
import time

import torch


from lstm_lm import LM

from blas_info import blas_detail  # bench/torch/blas_info.py


@torch.no_grad()
def generate(model, batch, tokens):
    ids = torch.zeros(batch, 1, dtype=torch.long)
    state = None
    first = []
    for _ in range(tokens):
        h, state = model.rnn(model.emb(ids), state)  # [B, 1, H]
        ids = model.out(h[:, -1]).argmax(dim=1, keepdim=True)  # [B, 1]
        first.append(int(ids[0, 0]))  # the host needs the token, as a sampler would
    return first


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--tokens", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="tiny sizes for a smoke run")
    p.add_argument("--seed", type=int, default=1234)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    s = dict(V=500, E=16, H=16, L=2, T=8, B=4) if a.quick else dict(V=10000, E=200, H=200, L=2, T=20, B=20)
    model = LM(a.cell, s["V"], s["E"], s["H"], s["L"]).eval()
    generate(model, a.batch, max(1, a.warmup))
    rep_ms = []
    sample = []
    for _ in range(max(1, a.reps)):
        t0 = time.perf_counter()
        sample = generate(model, a.batch, max(1, a.tokens))
        rep_ms.append((time.perf_counter() - t0) * 1000 / max(1, a.tokens))
    ms = statistics.median(rep_ms)
    print(json.dumps({
        "workload": f"generation_{a.cell}",
        "backend": "pytorch",
        "backendDetail": f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {blas_detail()}",
        "sizes": s,
        "batch": a.batch,
        "tokens": a.tokens,
        "warmup": a.warmup,
        "reps": a.reps,
        "repMs": rep_ms,
        "msPerToken": ms,
        "tokensPerSec": a.batch / (ms / 1000),
        "sample": sample[:10],
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
