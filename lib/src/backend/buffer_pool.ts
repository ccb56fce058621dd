/**
 * The seqlab backend's pool of big float32 arrays. A training step of the PTB-small LM
 * makes about 46 MB of tensor data (the [400, 10 000] probabilities, the output layer's and
 * the embedding's dense gradients, the LSTM tapes; bench/workloads/heap_probe.ts prints it)
 * and drops it a few milliseconds later. V8 counts that memory as external and starts a major garbage
 * collection once enough of it has been allocated, so without reuse every step paid for one
 * (marking the whole heap on the second core, which the BLAS threads also want) and for the
 * page faults of the fresh memory. The pool hands the same arrays back step after step.
 *
 * The rule that keeps it safe: an array goes back to the pool only when the tensor data that
 * held it is deleted and nothing else can still see it. Every array the pool hands out is in
 * one of four states:
 *
 *     out      handed to a kernel, not yet a tensor's data
 *     bound    the values of exactly one tensor data (dataId)
 *     free     in the pool, waiting for `take`
 *     escaped  seen outside the kernels: never recycled again
 *
 * An array escapes when anybody reads it through `readSync`/`read` (a `dataSync()`, an
 * `array()`, a print: the caller may keep it), or when a second tensor data is made of it
 * or of a view of it (tfjs-cpu's Slice returns a subarray of its input). The seqlab
 * backend's own kernels read their inputs with `readForKernel`, which does not count: they
 * keep nothing after they return.
 *
 * Arrays below `POOL_MIN_FLOATS` (8 MiB) are not pooled: what makes V8 collect is the few
 * largest arrays of a step (an LM's probabilities and its output and embedding gradients),
 * and pooling smaller ones too kept more memory waiting than it saved (the biLSTM-CRF's peak
 * RSS on the wasm engine rose by about 30 MB with a 256 KiB threshold). At most
 * `POOL_MAX_FREE_BYTES` wait in the pool; an array taken again is zeroed unless the caller
 * says it overwrites every element. `SEQLAB_POOL=0` turns the pool off (every array fresh),
 * to rule it out when something looks wrong; `SEQLAB_POOL=n` pools arrays of n floats or more.
 */

/** Arrays shorter than this (8 MiB of float32) are plain `new Float32Array`s, unless SEQLAB_POOL says otherwise. */
export const POOL_MIN_FLOATS = 2_097_152;
/** The most memory that waits in the pool (arrays released beyond it go to the GC). */
export const POOL_MAX_FREE_BYTES = 256 * 1024 * 1024;

type State = "out" | "bound" | "free" | "escaped";

/** How much the pool saved, for tests and diagnostics. */
export interface PoolStats {
  /** Arrays handed out that came from the pool. */
  reused: number;
  /** Arrays handed out that had to be allocated. */
  allocated: number;
  /** Arrays that escaped (read by user code, or viewed by a second tensor). */
  escaped: number;
  /** Bytes waiting in the pool. */
  freeBytes: number;
}

/** A pool of Float32Arrays by length; see the file comment for the states. */
export class BufferPool {
  /**
   * @param enabled - false: `take` always allocates and nothing is recycled.
   * @param maxFreeBytes - the most memory that waits in the pool.
   * @param minFloats - the shortest array the pool takes.
   */
  constructor(readonly enabled = true, readonly maxFreeBytes = POOL_MAX_FREE_BYTES, readonly minFloats = POOL_MIN_FLOATS) {}

  private readonly free = new Map<number, Float32Array[]>();
  private readonly state = new WeakMap<ArrayBufferLike, State>();
  private readonly stats: PoolStats = { reused: 0, allocated: 0, escaped: 0, freeBytes: 0 };

  /**
   * A Float32Array of length n for a kernel's output.
   * @param n - its length.
   * @param zeroed - false only when the caller writes every element before anybody reads it.
   */
  take(n: number, zeroed = true): Float32Array {
    if (n < this.minFloats || !this.enabled) return new Float32Array(n);
    const list = this.free.get(n);
    while (list !== undefined && list.length > 0) {
      const a = list.pop()!;
      this.stats.freeBytes -= a.byteLength;
      if (this.state.get(a.buffer) !== "free") continue; // escaped while it waited
      this.state.set(a.buffer, "out");
      this.stats.reused++;
      if (zeroed) a.fill(0);
      return a;
    }
    const a = new Float32Array(n);
    this.state.set(a.buffer, "out");
    this.stats.allocated++;
    return a;
  }

  /** `values` became a tensor data's values (write, move). */
  bind(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer === null) return;
    const s = this.state.get(buffer);
    if (s === undefined || s === "escaped") return;
    if (s === "out" && isWhole(values as Float32Array)) this.state.set(buffer, "bound");
    else this.markEscaped(buffer); // a second tensor data on the same memory, or a view
  }

  /** `values` were read by code that may keep them. */
  escape(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer !== null && this.state.has(buffer) && this.state.get(buffer) !== "escaped") this.markEscaped(buffer);
  }

  /** The tensor data holding `values` was deleted: recycle them if nothing else can see them. */
  release(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer === null || this.state.get(buffer) !== "bound") return;
    const a = values as Float32Array;
    if (this.stats.freeBytes + a.byteLength > this.maxFreeBytes) {
      this.state.delete(buffer); // left to the garbage collector
      return;
    }
    this.state.set(buffer, "free");
    let list = this.free.get(a.length);
    if (list === undefined) this.free.set(a.length, (list = []));
    list.push(a);
    this.stats.freeBytes += a.byteLength;
  }

  /** Drops every free array (they go to the garbage collector). */
  clear(): void {
    for (const list of this.free.values()) for (const a of list) this.state.delete(a.buffer);
    this.free.clear();
    this.stats.freeBytes = 0;
  }

  /** A copy of the counters. */
  getStats(): PoolStats {
    return { ...this.stats };
  }

  private markEscaped(buffer: ArrayBufferLike): void {
    this.state.set(buffer, "escaped");
    this.stats.escaped++;
  }
}

/**
 * The pool SEQLAB_POOL asks for: unset (or empty) the default, `0` none, a positive integer n
 * arrays of n floats or more.
 * @throws Error naming the variable for anything else.
 */
export function poolFromEnv(): BufferPool {
  const text = process.env.SEQLAB_POOL?.trim();
  if (text === undefined || text === "") return new BufferPool();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`seqlab backend: expected SEQLAB_POOL to be 0 (no pool) or the smallest pooled array in floats (a positive integer), got "${text}"`);
  }
  return n === 0 ? new BufferPool(false) : new BufferPool(true, POOL_MAX_FREE_BYTES, n);
}

/** The ArrayBuffer behind a typed array, or null for anything else (strings, null). */
function bufferOf(values: unknown): ArrayBufferLike | null {
  return ArrayBuffer.isView(values) ? values.buffer : null;
}

/** Whether `a` is a Float32Array over the whole of its buffer (not a view of part of it). */
function isWhole(a: Float32Array): boolean {
  return a instanceof Float32Array && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

/** What a backend with a pool offers its kernels (the seqlab backend, seqlab_backend.ts). */
export interface PooledBackend {
  readonly pool: BufferPool;
  /** A tensor data's values for a kernel that keeps no reference after it returns (does not count as an escape). */
  readForKernel(dataId: object): unknown;
}

function isPooled(backend: unknown): backend is PooledBackend {
  return typeof backend === "object" && backend !== null && (backend as Partial<PooledBackend>).pool instanceof BufferPool;
}

/**
 * A float32 output array for a kernel running on `backend`: from its pool when it has one,
 * else a fresh array.
 * @param zeroed - false only when the kernel writes every element.
 */
export function kernelFloats(backend: unknown, n: number, zeroed = true): Float32Array {
  return isPooled(backend) ? backend.pool.take(n, zeroed) : new Float32Array(n);
}

/** A tensor data's values for a kernel: `readForKernel` on a pooled backend, `readSync` elsewhere. */
export function kernelRead<V>(backend: { readSync(dataId: object): V }, dataId: object): V {
  return isPooled(backend) ? (backend.readForKernel(dataId) as V) : backend.readSync(dataId);
}
