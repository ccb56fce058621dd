/**
 * `seqlab generate`: text from an RNN LM checkpoint (`seqlab train-lm`, lm/checkpoint.ts) with
 * the lecture's decoders (generation/): argmax, sampling (temperature, top-K, top-p) or beam
 * search.
 *
 *     seqlab generate --model runs/lstm --n 5 --temperature 0.8 --top-p 0.9 --seed 1
 *     seqlab generate --model runs/lstm --decoder argmax --prompt "the company"
 *     seqlab generate --model runs/lstm --decoder beam --width 10 --n 3 --length-norm 0.7
 *
 * 1. Every flag is checked when parsed (range, with the flag's name), then the combinations
 *    (--temperature, --top-k, --top-p only with --decoder sample; --width, --length-norm only
 *    with beam), then the model folder (a missing folder or checkpoint, or one that does not
 *    verify, is one line naming it), then every --prompt word against the model's vocabulary —
 *    all before any generation.
 * 2. The generation starts after the model's start token and the prompt: `<SOS>` for a
 *    sentence-level LM (a checkpoint whose `training.context` is "sentence",
 *    lm/train_sentence_lm.ts), else `<EOS>`, the sentence boundary of train-lm's stream LMs; the
 *    state starts at zero. It stops at `<EOS>` or after --max-length tokens.
 * 3. Output, one line per text, the prompt words first, `<EOS>` not printed, " …" at the end of a
 *    text cut at --max-length:
 *    - argmax / sample: --n texts (argmax: --n copies of the same text, as the slide says);
 *    - beam: the --n best hypotheses, best first, each "SCORE<TAB>TEXT" (SCORE = log P of the
 *      generated tokens, divided by lp(L) with --length-norm: beam_search.ts).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend, type BackendName } from "../backend/backend.js";
import { initEngine } from "../engine/engine.js";
import { ArgumentError } from "../errors.js";
import { beamSearch, type LengthNormalization } from "../generation/beam_search.js";
import { generateMany, startToken } from "../generation/generate.js";
import { hasCheckpoint, loadLm } from "../lm/checkpoint.js";

/** Flags of `generate`. */
export interface GenerateFlags {
  /** A checkpoint folder of `seqlab train-lm`. */
  model: string;
  /** Default: "sample". */
  decoder?: "argmax" | "sample" | "beam";
  /** τ > 0 (sample). Default: 1. */
  temperature?: number;
  /** K ≥ 1 (sample). Default: all tokens. */
  topK?: number;
  /** p ∈ (0, 1] (sample). Default: 1. */
  topP?: number;
  /** Beam width m ≥ 1 (beam). Default: 5. */
  width?: number;
  /** "none", "length" or Wu et al.'s α ≥ 0 (beam). Default: "none". */
  lengthNorm?: string;
  /** Texts (argmax, sample) or hypotheses (beam), ≥ 1. Default: 1. */
  n?: number;
  /** New tokens at most, ≥ 1. Default: 50. */
  maxLength?: number;
  /** Words fed after the start token. Default: none. */
  prompt?: string;
  /** Seed of sampling, in [0, 2^32). Default: 42. */
  seed?: number;
  /** tfjs backend. Default: SEQLAB_BACKEND or the best available. */
  backend?: BackendName;
}

type Parser = (value: string) => number;

const positiveInt: Parser = (value) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected an integer ≥ 1, got '${value}'`);
  return n;
};
const seedValue: Parser = (value) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`expected an integer in [0, 2^32), got '${value}'`);
  return n;
};
const positive: Parser = (value) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got '${value}'`);
  return n;
};
const nucleus: Parser = (value) => {
  const n = Number(value);
  if (value.trim() === "" || !(n > 0 && n <= 1)) throw new InvalidArgumentError(`expected a number in (0, 1], got '${value}'`);
  return n;
};
/** "none", "length" or α ≥ 0. */
function parseLengthNorm(value: string): LengthNormalization {
  if (value === "none" || value === "length") return value;
  const a = Number(value);
  if (value.trim() === "" || !Number.isFinite(a) || a < 0) throw new InvalidArgumentError(`expected "none", "length" or a number α ≥ 0, got '${value}'`);
  return { alpha: a };
}

const NUMERIC: Record<string, Parser> = { temperature: positive, topK: positiveInt, topP: nucleus, width: positiveInt, n: positiveInt, maxLength: positiveInt, seed: seedValue };
const SAMPLE_ONLY = ["temperature", "topK", "topP"] as const;
const BEAM_ONLY = ["width", "lengthNorm"] as const;
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Runs `generate` (steps 1–3 of the file comment).
 * @param flags - the parsed flags.
 * @param log - where the texts go. Default: console.log.
 * @returns the printed lines.
 */
export async function runGenerate(flags: GenerateFlags, log: (line: string) => void = console.log): Promise<string[]> {
  // 1. flags, combinations, the folder, the prompt
  for (const [key, parse] of Object.entries(NUMERIC)) {
    const v = (flags as unknown as Record<string, unknown>)[key];
    if (v === undefined) continue;
    try {
      parse(String(v));
    } catch (e) {
      throw new ArgumentError(`${flagName(key)}: ${(e as Error).message}`);
    }
  }
  const decoder = flags.decoder ?? "sample";
  if (!["argmax", "sample", "beam"].includes(decoder)) throw new ArgumentError(`--decoder: expected argmax, sample or beam, got '${decoder}'`);
  for (const key of SAMPLE_ONLY) if (flags[key] !== undefined && decoder !== "sample") throw new ArgumentError(`${flagName(key)}: expected --decoder sample, got --decoder ${decoder}`);
  for (const key of BEAM_ONLY) if (flags[key] !== undefined && decoder !== "beam") throw new ArgumentError(`${flagName(key)}: expected --decoder beam, got --decoder ${decoder}`);
  let lengthNormalization: LengthNormalization = "none";
  if (flags.lengthNorm !== undefined) {
    try {
      lengthNormalization = parseLengthNorm(flags.lengthNorm);
    } catch (e) {
      throw new ArgumentError(`--length-norm: ${(e as Error).message}`);
    }
  }
  const dir = flags.model;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ArgumentError(`--model ${dir}: expected a checkpoint folder of seqlab train-lm, got ${fs.existsSync(dir) ? "a file" : "no such folder"}`);
  if (!hasCheckpoint(dir)) throw new ArgumentError(`--model ${dir}: expected a checkpoint folder of seqlab train-lm (model.json, weights.bin, vocab.json), got a folder without one`);
  await initBackend({ backend: flags.backend, quiet: true });
  initEngine({ quiet: true });
  const { model, vocab, training } = loadLm(dir, { warn: (line) => console.error(`seqlab: warning: ${line}`) }); // verified: a CheckpointError names the file
  try {
    const words = (flags.prompt ?? "").split(/\s+/u).filter((w) => w.length > 0);
    words.forEach((w, i) => {
      if (!vocab.has(w) && !vocab.unkAliases.includes(w)) {
        throw new ArgumentError(`--prompt: expected words of the model's vocabulary (${path.join(dir, "vocab.json")}, ${vocab.size} tokens), got '${w}' (word ${i + 1} of ${words.length})`);
      }
    });
    // 2. start token and prompt
    const context = training?.context === "sentence" ? "sentence" : "stream";
    const prompt = [startToken(context), ...vocab.encode(words)];
    const n = flags.n ?? 1;
    const maxLength = flags.maxLength ?? 50;
    const text = (ids: readonly number[], finished: boolean) =>
      [...words, ...vocab.decode(finished ? ids.slice(0, -1) : ids)].join(" ") + (finished ? "" : " …");
    // 3. generate and print
    let lines: string[];
    if (decoder === "beam") {
      const list = beamSearch(model, { prompt, beamWidth: flags.width ?? 5, nBest: n, maxLength, lengthNormalization });
      lines = list.map((h) => `${h.score.toFixed(4)}\t${text(h.ids, !h.truncated)}`);
    } else {
      const gens = generateMany(model, n, {
        prompt, maxLength, strategy: decoder, seed: flags.seed ?? 42,
        ...(decoder === "sample" ? { temperature: flags.temperature, topK: flags.topK, topP: flags.topP } : {}),
      });
      lines = gens.map((g) => text(g.ids, g.finished));
    }
    lines.forEach((line) => log(line));
    return lines;
  } finally {
    model.dispose();
  }
}

/** Adds the `generate` command to a program. */
export function addGenerateCommand(program: Command): Command {
  return program
    .command("generate")
    .description("generate text from an RNN LM checkpoint: argmax, sampling (temperature, top-k, top-p) or beam search")
    .requiredOption("--model <dir>", "an RNN LM checkpoint folder (from `seqlab train-lm`)")
    .addOption(new Option("--decoder <name>", "decoder").choices(["argmax", "sample", "beam"]).default("sample"))
    .option("--temperature <x>", "sample: temperature τ > 0 (default 1)", positive)
    .option("--top-k <k>", "sample: only the k most likely tokens (default all)", positiveInt)
    .option("--top-p <p>", "sample: nucleus, the most likely tokens up to mass p in (0, 1] (default 1)", nucleus)
    .option("--width <m>", "beam: beam width (default 5)", positiveInt)
    .option("--length-norm <x>", "beam: none, length, or Wu et al.'s α ≥ 0 (default none)")
    .option("--n <n>", "texts to generate (beam: hypotheses to print)", positiveInt, 1)
    .option("--max-length <n>", "new tokens at most", positiveInt, 50)
    .option("--prompt <words>", "words to start with (each in the model's vocabulary)")
    .option("--seed <n>", "seed of sampling, in [0, 2^32)", seedValue, 42)
    .addOption(new Option("--backend <name>", "tfjs backend (default: SEQLAB_BACKEND or the best available)").choices(["tensorflow", "seqlab", "wasm", "cpu"]))
    .addHelpText(
      "after",
      `
Generation starts after <EOS> (the sentence boundary of train-lm's stream LMs; <SOS> for a
sentence-level LM) and the --prompt words, with a zero state, and stops at <EOS> or after
--max-length tokens (the line then ends with " …"). Beam lines are "SCORE<TAB>TEXT", best first.`,
    )
    .action(async (flags: GenerateFlags) => {
      await runGenerate(flags);
    });
}
