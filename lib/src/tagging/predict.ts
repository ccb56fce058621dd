/**
 * Tagging sentences with a trained tagger, and scoring it: the inference side of every
 * tagger (tagging/tagger.ts).
 *
 * 1. The sentences are sorted by length and cut into batches of `batchSize`, so a batch pads
 *    to about its own length (on CoNLL-2003 in corpus order, most of a batch would be
 *    padding); ner/batches.ts pads them and makes the char ids when the tagger has char
 *    features (words unseen in training become `<UNK>`, their characters stay).
 * 2. `tagger.decode` (no dropout) gives each sentence's tag ids, optionally constrained to
 *    valid transitions (tagging/constraints.ts); the tag set turns them into tags, put back
 *    in the sentences' order.
 * 3. `evaluateTagger` scores them against the gold tags with conlleval's semantics
 *    (ner/evaluate.ts: entity-level precision, recall, F1, overall and per type).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { makeNerBatch, nerBatchTensors, type NerVocabs } from "../ner/batches.js";
import { evaluateNer, type NerEvaluation } from "../ner/evaluate.js";
import type { NerSentence } from "../ner/types.js";
import type { Tagger, TransitionConstraints } from "./tagger.js";

/** Options of {@link predictTags} and {@link evaluateTagger}. */
export interface PredictOptions {
  /** Sentences per batch. Default: 64. */
  batchSize?: number;
  /** Decode only valid transitions (tagging/constraints.ts). Default: none. */
  constraints?: TransitionConstraints;
  /** Whether the tagger reads char ids (its config has `chars`); required. */
  chars: boolean;
  /** Whether the tagger reads capitalisation classes (its config has `caps`). Default: false. */
  caps?: boolean;
}

/**
 * The tagger's tags for sentences (steps 1–2 of the file comment).
 * @param tagger - a tagger.
 * @param sentences - sentences with ≥ 1 token each (their `tags` are not read; any tags of the tag set, or none).
 * @param vocabs - the tagger's vocabularies (ner/batches.ts).
 * @param options - batchSize (64), constraints, chars, caps.
 * @returns [N][L_n] tags, in the sentences' order.
 */
export function predictTags(tagger: Tagger, sentences: ReadonlyArray<Pick<NerSentence, "tokens">>, vocabs: NerVocabs, options: PredictOptions): string[][] {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`predictTags: expected batchSize an integer ≥ 1, got ${batchSize}`);
  const order = sentences.map((_, i) => i).sort((a, b) => sentences[a].tokens.length - sentences[b].tokens.length || a - b);
  const out: string[][] = new Array(sentences.length);
  for (let k = 0; k < order.length; k += batchSize) {
    const ids = order.slice(k, k + batchSize);
    // Tags are not needed to decode: "O" for every token keeps makeNerBatch's checks happy.
    const batch = makeNerBatch(ids.map((i) => ({ tokens: sentences[i].tokens, tags: sentences[i].tokens.map(() => "O") })), vocabs, { chars: options.chars, caps: options.caps ?? false }, ids);
    const tensors = nerBatchTensors(batch);
    try {
      const { tags: _tags, ...input } = tensors; // words, mask, and chars / caps when the tagger reads them
      const { paths } = tagger.decode(input, { constraints: options.constraints });
      paths.forEach((path, b) => (out[ids[b]] = vocabs.tags.decode(path)));
    } finally {
      tf.dispose(tensors as unknown as tf.TensorContainer);
    }
  }
  return out;
}

/** The result of {@link evaluateTagger}. */
export interface TaggerEvaluation {
  /** conlleval's counts and scores (ner/evaluate.ts). */
  scores: NerEvaluation;
  /** [N][L_n] the predicted tags. */
  tags: string[][];
}

/**
 * Tags sentences and scores them against their gold tags (step 3 of the file comment).
 * @param tagger - a tagger.
 * @param sentences - gold-tagged sentences, in the vocabularies' scheme.
 * @param vocabs - the tagger's vocabularies.
 * @param options - batchSize, constraints, chars (as {@link predictTags}).
 * @returns conlleval's counts and scores, and the predicted tags.
 */
export function evaluateTagger(tagger: Tagger, sentences: readonly NerSentence[], vocabs: NerVocabs, options: PredictOptions): TaggerEvaluation {
  const predicted = predictTags(tagger, sentences, vocabs, options);
  const e = evaluateNer(
    sentences.map((s) => s.tags),
    predicted,
    { scheme: vocabs.tags.scheme },
  );
  return { scores: e, tags: predicted };
}
