/**
 * Counting the n-grams of orders 1..N of a corpus by sorting its positions, the trie of
 * `NgramCounts` (ngram_counts.ts) with no hash table and no string key.
 *
 * The corpus is the padded sentences <s> w_1 … w_m </s> one after the other, as word ids
 * (sentence_ids.ts). Position a starts the n-grams c[a … a+n) for n = 1 … len(a), with
 * len(a) = min(N, tokens left in a's sentence): n-grams never cross a sentence end.
 * 1. Sort the positions by their key (c[a], c[a+1], …, c[a+N−1]), with every word past
 *    len(a) replaced by a sentinel smaller than all ids: an LSD radix sort, one stable
 *    counting sort per key column from the last to the first (Knuth, TAOCP vol. 3, §5.2.5).
 *    Then every n-gram's occurrences are consecutive, and the n-grams of each order come in
 *    lexicographic order of their word ids, each context's continuations together.
 * 2. One scan: lcp(i) = the number of leading words position i shares with the position
 *    before it (both within their len). At order n ≤ len(a), n > lcp starts a new node,
 *    n ≤ lcp adds one to the current node's count. Node ids are the ranks in this order,
 *    so a node's parent (its first n − 1 words) is the current node one level down.
 * 3. Suffix links: the last n − 1 words of the n-gram at position a are the (n−1)-gram at
 *    position a + 1, so suffix(g) = node_{n−1}(a + 1) for any occurrence a of g.
 *
 * Cost: N counting-sort passes and two scans over the T corpus positions, O(N (T + |W|))
 * time and about (8 + 4N) T bytes beside the levels; PTB train (T = 972k, |W| = 10k, N = 5)
 * takes about 0.2 s. KenLM's lmplz also counts by sorting (Heafield et al. 2013, "Scalable
 * modified Kneser-Ney language model estimation", ACL), in external memory.
 */
import { ArgumentError } from "../errors.js";
import { EOS_ID } from "./sentence_ids.js";

/** The n-grams of one order: node g has last word `word[g]`, context node `parent[g]` one level down, count `count[g]`. */
export interface NgramLevel {
  /** Number of distinct n-grams of this order (1 for level 0, the root: the empty n-gram). */
  readonly size: number;
  /** [size] last word id of each n-gram, ascending within each context (−1 for the root). */
  readonly word: Int32Array;
  /** [size] node of the first n − 1 words at the level below (0 = root for unigrams; −1 for the root), non-decreasing. */
  readonly parent: Int32Array;
  /** [size] c(w_1 … w_n): occurrences in the padded training sentences (the root: the corpus length). */
  readonly count: Int32Array;
  /**
   * [size_{n−1} + 1] the children of context node h (level n − 1) are the nodes
   * firstChild[h] … firstChild[h + 1] − 1 of this level, by ascending word id (empty for the root level).
   */
  readonly firstChild: Int32Array;
  /** [size] node at level n − 1 of the last n − 1 words w_2 … w_n (0 = root for unigrams; −1 for the root). */
  readonly suffix: Int32Array;
}

/**
 * Step 1: the positions [0, T) sorted by their n-gram keys (see the file comment).
 * @param c - [≥ T] the corpus ids.
 * @param len - [T] len(a).
 * @param W - number of word ids.
 * @param N - the order.
 * @returns [T] positions in lexicographic order of their keys (stable: ties by position).
 */
function sortPositions(c: Int32Array, len: Uint8Array, T: number, W: number, N: number): Int32Array {
  let perm = new Int32Array(T);
  let next = new Int32Array(T);
  const keys = new Int32Array(T);
  const start = new Int32Array(W + 2);
  for (let a = 0; a < T; a++) perm[a] = a;
  for (let k = N - 1; k >= 0; k--) {
    start.fill(0);
    for (let i = 0; i < T; i++) {
      const a = perm[i];
      const key = len[a] > k ? c[a + k] + 1 : 0; // 0: the sentinel, before every word
      keys[i] = key;
      start[key + 1]++;
    }
    for (let b = 0; b <= W; b++) start[b + 1] += start[b];
    for (let i = 0; i < T; i++) next[start[keys[i]]++] = perm[i];
    const t = perm;
    perm = next;
    next = t;
  }
  return perm;
}

/**
 * The trie levels 0..N of a corpus (see the file comment).
 * @param c - [≥ T] the padded sentences' word ids, every sentence ending with </s>.
 * @param T - the corpus length.
 * @param W - number of word ids (every id is in [0, W)).
 * @param N - the order, 1 ≤ N ≤ 255.
 * @returns levels 0..N; level 0 is the root.
 */
export function countNgramsBySorting(c: Int32Array, T: number, W: number, N: number): NgramLevel[] {
  if (!(N >= 1 && N <= 255)) throw new ArgumentError(`countNgramsBySorting: expected an order in 1..255, got ${N}`);
  if (T > 0 && c[T - 1] !== EOS_ID) throw new ArgumentError("countNgramsBySorting: expected the corpus to end with </s>");
  // len(a) = min(N, tokens left in a's sentence), from the end backwards.
  const len = new Uint8Array(T);
  for (let a = T - 1, left = 0; a >= 0; a--) {
    left = c[a] === EOS_ID ? 1 : left + 1;
    len[a] = left < N ? left : N;
  }
  const perm = sortPositions(c, len, T, W, N);

  // 2a. lcp with the previous position, and the level sizes.
  const lcp = new Uint8Array(T);
  const size = new Array<number>(N + 1).fill(0);
  for (let i = 0; i < T; i++) {
    const a = perm[i];
    const La = len[a];
    let l = 0;
    if (i > 0) {
      const b = perm[i - 1];
      const m = La < len[b] ? La : len[b];
      while (l < m && c[a + l] === c[b + l]) l++;
    }
    lcp[i] = l;
    for (let n = l + 1; n <= La; n++) size[n]++;
  }

  // 2b. The nodes: word, parent, count, one occurrence; node_n(a) for the suffix links.
  const word: Int32Array[] = [Int32Array.of(-1)];
  const parent: Int32Array[] = [Int32Array.of(-1)];
  const count: Int32Array[] = [Int32Array.of(T)];
  const where: Int32Array[] = [Int32Array.of(-1)];
  const nodeAt: Int32Array[] = [new Int32Array(0)]; // levels 1..N−1 only: suffix targets
  for (let n = 1; n <= N; n++) {
    word.push(new Int32Array(size[n]));
    parent.push(new Int32Array(size[n]));
    count.push(new Int32Array(size[n]));
    where.push(new Int32Array(size[n]));
    if (n < N) nodeAt.push(new Int32Array(T));
  }
  const cur = new Int32Array(N + 1); // cur[n]: the node of the current position's n-gram; cur[0] = root
  const next = new Int32Array(N + 1).fill(0); // next node id per level
  for (let i = 0; i < T; i++) {
    const a = perm[i];
    const La = len[a];
    for (let n = 1; n <= La; n++) {
      let g: number;
      if (n <= lcp[i]) {
        g = cur[n];
        count[n][g]++;
      } else {
        g = next[n]++;
        word[n][g] = c[a + n - 1];
        parent[n][g] = cur[n - 1];
        count[n][g] = 1;
        where[n][g] = a;
        cur[n] = g;
      }
      if (n < N) nodeAt[n][a] = g;
    }
  }

  // 3. Suffix links and child ranges.
  const levels: NgramLevel[] = [{ size: 1, word: word[0], parent: parent[0], count: count[0], firstChild: new Int32Array(0), suffix: Int32Array.of(-1) }];
  for (let n = 1; n <= N; n++) {
    const suffix = new Int32Array(size[n]);
    if (n >= 2) {
      const below = nodeAt[n - 1];
      const w = where[n];
      for (let g = 0; g < size[n]; g++) suffix[g] = below[w[g] + 1];
    }
    const contexts = n === 1 ? 1 : size[n - 1];
    const firstChild = new Int32Array(contexts + 1);
    const p = parent[n];
    for (let g = 0; g < size[n]; g++) firstChild[p[g] + 1]++;
    for (let h = 0; h < contexts; h++) firstChild[h + 1] += firstChild[h];
    levels.push({ size: size[n], word: word[n], parent: parent[n], count: count[n], firstChild, suffix });
  }
  return levels;
}
