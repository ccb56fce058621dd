/**
 * An open-addressing hash table from integer keys below 2^53 to int32 values, with linear
 * probing (Knuth, TAOCP vol. 3, §6.4, algorithm L) at a load of at most 1/2, and
 * multiplicative (Fibonacci) hashing of the key's two 32-bit halves: the slot is the top
 * bits of the product, which depend on every bit of the key. The ARPA reader (arpa_reader.ts) finds an n-gram's node with it from
 * the key parent·|W| + word.
 */
import { ArgumentError } from "../errors.js";

/** An open-addressing hash table from integer keys (< 2^53) to int32 values (−1 = absent). */
export class IdTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  /** 32 − log2(slots): the slot is the product's top bits. */
  private shift: number;
  /** Number of stored keys. */
  size = 0;

  /** @param capacity - initial number of slots, rounded up to a power of two. Default: 1024. */
  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity) n *= 2;
    this.keys = new Float64Array(n).fill(-1);
    this.values = new Int32Array(n);
    this.mask = n - 1;
    this.shift = 32 - Math.log2(n);
  }

  private slot(key: number): number {
    // Mix the low and high 32 bits (multiplicative hashing), then probe linearly.
    const lo = key >>> 0;
    const hi = Math.floor(key / 4294967296) >>> 0;
    let i = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    while (this.keys[i] !== -1 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The value stored for `key`, or −1 (also for a negative key, e.g. from an unknown word's id −1). */
  get(key: number): number {
    if (key < 0) return -1;
    const i = this.slot(key);
    return this.keys[i] === key ? this.values[i] : -1;
  }

  /** Stores `value` (≥ 0) for `key` (an integer in [0, 2^53)). */
  set(key: number, value: number): void {
    if (!(key >= 0)) throw new ArgumentError(`IdTable.set: expected a key ≥ 0, got ${key}`);
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const i = this.slot(key);
    if (this.keys[i] !== key) {
      this.keys[i] = key;
      this.size++;
    }
    this.values[i] = value;
  }

  /**
   * Stores `value` (≥ 0) for `key` unless the key is there already (one probe sequence).
   * @returns −1 if it was stored, else the value already stored for the key (unchanged).
   */
  insert(key: number, value: number): number {
    if (!(key >= 0)) throw new ArgumentError(`IdTable.insert: expected a key ≥ 0, got ${key}`);
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const i = this.slot(key);
    if (this.keys[i] === key) return this.values[i];
    this.keys[i] = key;
    this.values[i] = value;
    this.size++;
    return -1;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2).fill(-1);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.shift--;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === -1) continue;
      const j = this.slot(keys[i]);
      this.keys[j] = keys[i];
      this.values[j] = values[i];
    }
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }
}
