/**
 * A tagger as data: its kind and sizes (`TaggerConfig`, plain JSON, what a checkpoint
 * records), the tagger built from it (`createTagger`), and the names and shapes of its
 * weights computed from the config alone (`taggerWeightShapes`), which a checkpoint is
 * checked against before any tensor is made.
 *
 * | kind         | class (file)                         | output                     |
 * | ------------ | ------------------------------------ | -------------------------- |
 * | "lstm"       | LstmTagger (lstm_tagger.ts)          | softmax, left to right     |
 * | "bilstm"     | LstmTagger, bidirectional            | softmax                    |
 * | "bilstm-crf" | BiLstmCrfTagger (bilstm_crf.ts)      | CRF (ops/crf.ts)           |
 *
 * Weights, in each tagger's `weights` order (D = E, + Ecaps with caps, + 2Hc with chars; an
 * LSTM's W [H+D, 4H] and b [4H], rnn/lstm.ts):
 *   embedding [V, E]; with caps: caps.embedding [6, Ecaps]; with chars: chars.embedding [A, Ec], chars.forward.W, .b,
 *   chars.backward.W, .b; forward.W [H+D, 4H], forward.b [4H]; for "bilstm" and
 *   "bilstm-crf" backward.W, backward.b; U [H or 2H, K], bHat [K]; for "bilstm-crf"
 *   crf.start [K], crf.end [K], crf.transitions [K, K].
 * A student's tagger gets a kind here, a case in `createTagger` and its shapes.
 */
import { ArgumentError } from "../errors.js";
import { CAPS_SIZE } from "../ner/batches.js";
import { BiLstmCrfTagger } from "./bilstm_crf.js";
import { LstmTagger } from "./lstm_tagger.js";
import type { Tagger } from "./tagger.js";

/** The taggers `createTagger` builds. */
export type TaggerKind = "lstm" | "bilstm" | "bilstm-crf";

/** The kinds, in the lecture's order. */
export const TAGGER_KINDS: readonly TaggerKind[] = ["lstm", "bilstm", "bilstm-crf"];

/** A tagger's kind and sizes (JSON). */
export interface TaggerConfig {
  kind: TaggerKind;
  /** V, word ids (the word vocabulary's size). */
  vocabularySize: number;
  /** K, tags (the tag set's size). */
  numTags: number;
  /** E. Default: 100. */
  embeddingSize?: number;
  /** H per direction. Default: 100. */
  hiddenSize?: number;
  /** Char features: the alphabet size A (the char vocabulary's, padding included) and Ec, Hc. Default: none. */
  chars?: { alphabetSize: number; embeddingSize?: number; hiddenSize?: number } | null;
  /** A capitalisation-class embedding of Ecaps dimensions (Default: 5) beside the word's (word_inputs.ts). Default: none. */
  caps?: { embeddingSize?: number } | null;
  /** Dropout on the recurrent layer's input in training. Default: 0. */
  dropout?: number;
}

/** A config with every default filled in. */
export interface ResolvedTaggerConfig {
  kind: TaggerKind;
  vocabularySize: number;
  numTags: number;
  embeddingSize: number;
  hiddenSize: number;
  chars: { alphabetSize: number; embeddingSize: number; hiddenSize: number } | null;
  caps: { embeddingSize: number } | null;
  dropout: number;
}

/**
 * Fills in the defaults and checks every field.
 * @param config - the config.
 * @param where - names it in messages. Default: "TaggerConfig".
 * @throws ArgumentError "WHERE: FIELD: expected …, got …".
 */
export function resolveTaggerConfig(config: TaggerConfig, where = "TaggerConfig"): ResolvedTaggerConfig {
  const fail = (field: string, what: string, got: unknown): never => {
    throw new ArgumentError(`${where}: ${field}: expected ${what}, got ${JSON.stringify(got) ?? "nothing"}`);
  };
  const size = (field: string, v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : fail(field, "an integer ≥ 1", v));
  if (typeof config !== "object" || config === null) fail("config", "an object", config);
  if (!TAGGER_KINDS.includes(config.kind)) fail("kind", `one of ${TAGGER_KINDS.map((k) => `"${k}"`).join(", ")}`, config.kind);
  const dropout = config.dropout ?? 0;
  if (!(typeof dropout === "number" && dropout >= 0 && dropout < 1)) fail("dropout", "a probability in [0, 1)", dropout);
  const c = config.chars ?? null;
  if (c !== null && (typeof c !== "object" || Array.isArray(c))) fail("chars", "an object or null", c);
  const caps = config.caps ?? null;
  if (caps !== null && (typeof caps !== "object" || Array.isArray(caps))) fail("caps", "an object or null", caps);
  return {
    kind: config.kind,
    vocabularySize: size("vocabularySize", config.vocabularySize),
    numTags: size("numTags", config.numTags),
    embeddingSize: size("embeddingSize", config.embeddingSize ?? 100),
    hiddenSize: size("hiddenSize", config.hiddenSize ?? 100),
    chars: c === null ? null : { alphabetSize: size("chars.alphabetSize", c.alphabetSize), embeddingSize: size("chars.embeddingSize", c.embeddingSize ?? 25), hiddenSize: size("chars.hiddenSize", c.hiddenSize ?? 25) },
    caps: caps === null ? null : { embeddingSize: size("caps.embeddingSize", caps.embeddingSize ?? 5) },
    dropout,
  };
}

/**
 * A new tagger of the config's kind and sizes; its weights are drawn from the course's
 * seeded generator (`setSeed` first for a repeatable tagger).
 * @param config - the config.
 */
export function createTagger(config: TaggerConfig): Tagger {
  const c = resolveTaggerConfig(config);
  const common = {
    vocabularySize: c.vocabularySize,
    numTags: c.numTags,
    embeddingSize: c.embeddingSize,
    hiddenSize: c.hiddenSize,
    dropout: c.dropout,
    ...(c.chars === null ? {} : { chars: c.chars }),
    ...(c.caps === null ? {} : { caps: c.caps }),
  };
  if (c.kind === "bilstm-crf") return new BiLstmCrfTagger(common);
  return new LstmTagger({ ...common, bidirectional: c.kind === "bilstm" });
}

/**
 * The names and shapes of a tagger's weights, in its `weights` order (see the file comment).
 * @param config - the config.
 */
export function taggerWeightShapes(config: TaggerConfig): Array<{ name: string; shape: number[] }> {
  const c = resolveTaggerConfig(config);
  const lstm = (prefix: string, D: number, H: number) => [
    { name: `${prefix}.W`, shape: [H + D, 4 * H] },
    { name: `${prefix}.b`, shape: [4 * H] },
  ];
  const out: Array<{ name: string; shape: number[] }> = [{ name: "embedding", shape: [c.vocabularySize, c.embeddingSize] }];
  let D = c.embeddingSize;
  if (c.caps !== null) {
    out.push({ name: "caps.embedding", shape: [CAPS_SIZE, c.caps.embeddingSize] });
    D += c.caps.embeddingSize;
  }
  if (c.chars !== null) {
    const { alphabetSize: A, embeddingSize: Ec, hiddenSize: Hc } = c.chars;
    out.push({ name: "chars.embedding", shape: [A, Ec] }, ...lstm("chars.forward", Ec, Hc), ...lstm("chars.backward", Ec, Hc));
    D += 2 * Hc;
  }
  const H = c.hiddenSize;
  const K = c.numTags;
  const bidirectional = c.kind !== "lstm";
  out.push(...lstm("forward", D, H), ...(bidirectional ? lstm("backward", D, H) : []));
  out.push({ name: "U", shape: [bidirectional ? 2 * H : H, K] }, { name: "bHat", shape: [K] });
  if (c.kind === "bilstm-crf") out.push({ name: "crf.start", shape: [K] }, { name: "crf.end", shape: [K] }, { name: "crf.transitions", shape: [K, K] });
  return out;
}

/**
 * "biLSTM-CRF + chars, E 100, H 100, dropout 0.5": a config in words, for logs and tables.
 * @param config - the config.
 */
export function describeTagger(config: TaggerConfig): string {
  const c = resolveTaggerConfig(config);
  const name = { lstm: "LSTM", bilstm: "biLSTM", "bilstm-crf": "biLSTM-CRF" }[c.kind];
  return `${name}${c.chars === null ? "" : " + chars"}${c.caps === null ? "" : " + caps"}, E ${c.embeddingSize}, H ${c.hiddenSize}${c.dropout > 0 ? `, dropout ${c.dropout}` : ""}`;
}
