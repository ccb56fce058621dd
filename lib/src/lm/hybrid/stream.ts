/**
 * The token stream of the hybrid word/character LM (lm/hybrid/model.ts): word ids as for the
 * plain LM — <EOS> s_1 <EOS> s_2 <EOS> … (lm/train_lm.ts's `encodeStream`), out-of-vocabulary
 * words → <UNK> — and beside each token its spelling, the char ids of its NFC code points in a
 * character `Vocab` (lm/char_lm.ts's `charVocab`; unseen characters → char <UNK>). <EOS>, the
 * special tokens and the vocabulary's unk aliases are never spelled (null).
 *
 * Which tokens are actually spelled (u_t = 1) is decided per window, by the batches
 * (lm/hybrid/batches.ts): every OOV word, and in training in-vocabulary words with probability p.
 */
import { charTokenize } from "../../data/tokenize.js";
import { EOS_ID, SPECIAL_TOKENS, type Vocab } from "../../data/vocab.js";

/** A word stream with the spelling of every token (see `encodeHybridStream`). */
export interface HybridStream {
  /** int32 [N] word ids (OOV → <UNK>). */
  ids: Int32Array;
  /** [N] char ids of each token, or null for tokens never spelled (specials, unk aliases). */
  spellings: (Int32Array | null)[];
}

/**
 * Sentences as a hybrid stream: <EOS> s_1 <EOS> s_2 <EOS> … (as `encodeStream`), with each
 * word's characters (NFC code points, `chars.encode`; unseen characters → char <UNK>).
 * @param words - the word vocabulary (OOV → <UNK>).
 * @param chars - the character vocabulary (lm/char_lm.ts's `charVocab` of the training text).
 * @param sentences - token arrays.
 * @returns ids [1 + Σ (m_i + 1)] and their spellings (null for <EOS>, special strings and unk aliases).
 */
export function encodeHybridStream(words: Vocab, chars: Vocab, sentences: readonly (readonly string[])[]): HybridStream {
  const ids: number[] = [EOS_ID];
  const spellings: (Int32Array | null)[] = [null];
  const unspelled = new Set<string>([...SPECIAL_TOKENS, ...words.unkAliases]);
  for (const s of sentences) {
    for (const w of s) {
      ids.push(words.idOf(w));
      spellings.push(unspelled.has(w) || w.length === 0 ? null : chars.encode(charTokenize(w)));
    }
    ids.push(EOS_ID);
    spellings.push(null);
  }
  return { ids: Int32Array.from(ids), spellings };
}
