/**
 * The one shape every dataset loader returns: three splits of tokenized sentences.
 */

/** A split of a dataset. */
export type DatasetSplit = "train" | "valid" | "test";

/** Options shared by every loader (`loadDataset(name, options)`). */
export interface LoadOptions {
  /** The data folder. Default: `SEQLAB_DATA`, else `$XDG_CACHE_HOME/seqlab` or `~/.cache/seqlab` (datasets/folder.ts). */
  dataDir?: string;
  /** Download files that are missing (datasets that need files). Default: true. */
  download?: boolean;
  /** Download timeout in milliseconds. Default: 120000. */
  timeoutMs?: number;
  /** Lower-case the tokens (Brown, Moby Dick; PTB is already lower-case). Default: false. */
  lowercase?: boolean;
}

/** A language-modelling corpus: sentences of word tokens in three splits. */
export interface TextDataset {
  /** The loader's name ("ptb", "brown", "moby-dick"). */
  name: string;
  /** Training sentences, each a token array (no sentence-boundary tokens). */
  train: string[][];
  /** Validation sentences. */
  valid: string[][];
  /** Test sentences. */
  test: string[][];
  /** The corpus's own unknown-word token (PTB: "<unk>"), if it has one. `Vocab` maps it to `<UNK>`. */
  unkToken?: string;
  /** Where the text came from (folder or package), for notebooks to print. */
  source: string;
}
