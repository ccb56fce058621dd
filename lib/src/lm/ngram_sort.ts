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
 * 2. Two scans in sorted order (the last sorting pass has copied each position's words
 *    next to its sorted place, so they read memory in order): lcp(i) = the number of
 *    leading words position i shares with the position before it (both within their len);
 *    then at order n ≤ len(a), n > lcp starts a new node and n ≤ lcp adds one to the
 *    current node's count. Node ids are the ranks in this order, so a node's parent (its
 *    first n − 1 words) is the current node one level down.
 * 3. Suffix links: the last n − 1 words of the n-gram at position a are the (n−1)-gram at
 *    position a + 1, so suffix(g) = node_{n−1}(a + 1) for any occurrence a of g.
 *
 * Cost: N counting-sort passes and two scans over the T corpus positions, O(N (T + |W|))
 * time and about (14 + 6N) T bytes beside the levels. The passes are bound by random reads
 * of the corpus (a position's words are one cache line), so the ids are kept in 16 bits
 * when |W| ≤ 65,536. KenLM's lmplz also counts by sorting (Heafield et al. 2013, "Scalable
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
 * An Int32Array in shared memory: the trie's `word` and `parent` arrays are read by
 * writeArpa's worker thread (arpa_worker.ts) without a copy.
 */
export function sharedInt32Array(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

/** A Float64Array in shared memory (see `sharedInt32Array`). */
export function sharedFloat64Array(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * length));
}

/** Word ids: 16 bits when they fit (half the bytes, so more of the corpus stays in cache), else 32. */
type Ids = Uint16Array | Int32Array;

/** The sorted positions, with each one's words and length copied to its sorted place. */
interface Sorted {
  perm: Int32Array;
  /** [T, N]: row i holds the words c[perm[i] … perm[i] + len[i]) (the rest unused). */
  rows: Ids;
  len: Uint8Array;
}

/**
 * Step 1: the positions [0, T) sorted by their n-gram keys (see the file comment); the last
 * pass also copies each position's words to its sorted place, so that the scans after it
 * read them in order instead of jumping around the corpus.
 * @param c - [≥ T] the corpus ids.
 * @param W - number of word ids.
 * @param N - the order.
 */
function sortPositions(c: Ids, T: number, W: number, N: number): Sorted {
  let perm = new Int32Array(T);
  let next = new Int32Array(T);
  const keys = new Int32Array(T);
  const start = new Int32Array(W + 2);
  for (let a = 0; a < T; a++) perm[a] = a;
  for (let k = N - 1; k >= 0; k--) {
    start.fill(0);
    gatherKeys(c, perm, keys, start, T, k);
    for (let b = 0; b <= W; b++) start[b + 1] += start[b];
    if (k === 0) break;
    for (let i = 0; i < T; i++) next[start[keys[i]]++] = perm[i];
    const t = perm;
    perm = next;
    next = t;
  }
  const rows = c instanceof Uint16Array ? new Uint16Array(T * N) : new Int32Array(T * N);
  const len = new Uint8Array(T);
  scatterRows(c, perm, keys, start, next, rows, len, T, N);
  return { perm: next, rows, len };
}

/** The last counting-sort pass (column 0), moving each position's words and length with it. */
function scatterRows(c: Ids, perm: Int32Array, keys: Int32Array, start: Int32Array, next: Int32Array, rows: Ids, len: Uint8Array, T: number, N: number): void {
  for (let i = 0; i < T; i++) {
    const a = perm[i];
    const d = start[keys[i]]++;
    next[d] = a;
    const r = d * N;
    let L = 0;
    do {
      rows[r + L] = c[a + L];
      L++;
    } while (L < N && c[a + L - 1] !== EOS_ID);
    len[d] = L;
  }
}

/**
 * keys[i] = column k of position perm[i]'s key: its word id + 1, or 0 (the sentinel) past
 * the sentence's </s>; counts each key in start[key + 1]. The words c[a … a+k] are read
 * together (one cache line, mostly): no array of sentence lengths to look up.
 */
function gatherKeys(c: Ids, perm: Int32Array, keys: Int32Array, start: Int32Array, T: number, k: number): void {
  for (let i = 0; i < T; i++) {
    const a = perm[i];
    let j = 0;
    while (j < k && c[a + j] !== EOS_ID) j++;
    const key = j === k ? c[a + k] + 1 : 0;
    keys[i] = key;
    start[key + 1]++;
  }
}

/** Step 2a: lcp[i], the words row i shares with row i − 1 (within both lengths); the number of nodes per level. */
function lcpPass(rows: Ids, len: Uint8Array, T: number, N: number, lcp: Uint8Array, size: number[]): void {
  for (let i = 0; i < T; i++) {
    const La = len[i];
    let l = 0;
    if (i > 0) {
      const m = La < len[i - 1] ? La : len[i - 1];
      const r = i * N;
      while (l < m && rows[r + l] === rows[r - N + l]) l++;
    }
    lcp[i] = l;
    for (let n = l + 1; n <= La; n++) size[n]++;
  }
}

/** The arrays of the levels being filled (index n = level). */
interface Fill {
  word: Int32Array[];
  parent: Int32Array[];
  count: Int32Array[];
  /** One occurrence (a corpus position) of each node. */
  where: Int32Array[];
  /** [T, N − 1]: the node of levels 1 … N − 1 at each position (one cache line per position). */
  nodeAt: Int32Array;
}

/** Step 2b: the nodes in sorted order (see the file comment). */
function fillPass(rows: Ids, perm: Int32Array, lcp: Uint8Array, len: Uint8Array, T: number, N: number, f: Fill): void {
  const { word, parent, count, where, nodeAt } = f;
  const M = N - 1;
  const cur = new Int32Array(N + 1); // cur[n]: the node of the current position's n-gram; cur[0] = root
  const next = new Int32Array(N + 1); // next node id per level
  for (let i = 0; i < T; i++) {
    const La = len[i];
    const l = lcp[i];
    const a = perm[i];
    for (let n = 1; n <= l; n++) count[n][cur[n]]++;
    for (let n = l + 1; n <= La; n++) {
      const g = next[n]++;
      word[n][g] = rows[i * N + n - 1];
      parent[n][g] = cur[n - 1];
      count[n][g] = 1;
      where[n][g] = a;
      cur[n] = g;
    }
    const L = La < M ? La : M;
    for (let n = 1; n <= L; n++) nodeAt[a * M + n - 1] = cur[n];
  }
}

/**
 * The trie levels 0..N of a corpus (see the file comment).
 * @param corpus - [≥ T] the padded sentences' word ids, every sentence ending with </s>.
 * @param T - the corpus length.
 * @param W - number of word ids (every id is in [0, W)).
 * @param N - the order, 1 ≤ N ≤ 255.
 * @returns levels 0..N; level 0 is the root.
 */
export function countNgramsBySorting(corpus: Int32Array, T: number, W: number, N: number): NgramLevel[] {
  if (!(N >= 1 && N <= 255)) throw new ArgumentError(`countNgramsBySorting: expected an order in 1..255, got ${N}`);
  if (T > 0 && corpus[T - 1] !== EOS_ID) throw new ArgumentError("countNgramsBySorting: expected the corpus to end with </s>");
  const c: Ids = W <= 65536 ? Uint16Array.from(corpus.subarray(0, T)) : corpus.subarray(0, T);
  const { perm, rows, len } = sortPositions(c, T, W, N);
  const lcp = new Uint8Array(T);
  const size = new Array<number>(N + 1).fill(0);
  lcpPass(rows, len, T, N, lcp, size);
  const f: Fill = { word: [Int32Array.of(-1)], parent: [Int32Array.of(-1)], count: [Int32Array.of(T)], where: [Int32Array.of(-1)], nodeAt: new Int32Array(T * (N - 1)) };
  for (let n = 1; n <= N; n++) {
    f.word.push(sharedInt32Array(size[n]));
    f.parent.push(sharedInt32Array(size[n]));
    f.count.push(new Int32Array(size[n]));
    f.where.push(new Int32Array(size[n]));
  }
  fillPass(rows, perm, lcp, len, T, N, f);
  const levels: NgramLevel[] = [{ size: 1, word: f.word[0], parent: f.parent[0], count: f.count[0], firstChild: new Int32Array(0), suffix: Int32Array.of(-1) }];
  for (let n = 1; n <= N; n++) levels.push(finishLevel(f, n, n === 1 ? 1 : size[n - 1], size[n], N));
  return levels;
}

/** Step 3 for level n: suffix links (node at level n − 1 of the position after one occurrence) and child ranges. */
function finishLevel(f: Fill, n: number, contexts: number, size: number, N: number): NgramLevel {
  const M = N - 1;
  const suffix = new Int32Array(size);
  if (n >= 2) {
    const w = f.where[n];
    for (let g = 0; g < size; g++) suffix[g] = f.nodeAt[(w[g] + 1) * M + n - 2];
  }
  const firstChild = new Int32Array(contexts + 1);
  const p = f.parent[n];
  for (let g = 0; g < size; g++) firstChild[p[g] + 1]++;
  for (let h = 0; h < contexts; h++) firstChild[h + 1] += firstChild[h];
  return { size, word: f.word[n], parent: p, count: f.count[n], firstChild, suffix };
}
