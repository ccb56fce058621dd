/**
 * Shortest round-trip decimals of float32 values, written straight into a byte buffer: the
 * numbers of an ARPA file (lm/arpa_writer.ts), millions per model, without a string each.
 *
 * The value kept. An ARPA file keeps single-precision numbers: SRILM, KenLM and IRSTLM all
 * store log10 probabilities and back-off weights as `float`, and KenLM writes each with
 * double-conversion's `ToShortestSingle`. So for a double x the formatter writes the decimal
 * string s with the fewest significant digits (1–9) such that
 *
 *     Math.fround(parseFloat(s)) === Math.fround(x),
 *
 * i.e. any reader that parses s as a double and rounds it to float32 (IRSTLM: atof, then
 * float), or as a float32 directly (KenLM: strtof), gets the float32 value of x back. Among
 * the shortest candidates it picks the one nearest to fround(x) (as Ryu and
 * double-conversion do), and it writes it as JavaScript's Number.prototype.toString
 * writes that decimal (KenLM's converter uses the same layout: plain decimals for
 * 1e-6 ≤ |s| < 1e21, else `1.5e-7`): `String(Number(s)) === s`.
 *
 * The method (Steele & White 1990's "shortest digits" question, answered by trial as in
 * Loitsch 2010's Grisu fallbacks): for p digits and the exact decimal exponent e of
 * v = |fround(x)|, D = round(v · 10^(p−1−e)) is the nearest p-digit decimal, and
 * D / 10^(p−1−e) computed as one correctly rounded double division (both operands exact for
 * exponents up to 22) is exactly the double that parseFloat gives for the string; so the
 * round-trip test `Math.fround(D / 10^k) === v` decides without making a string. The
 * smallest p that passes (2–3 trials: most values need 7–9 digits) is the answer. Values
 * outside 10^±13 and the rare D within 1e−6 of a rounding tie go through a slow exact path
 * on `toPrecision` strings.
 */

/** 10^0 … 10^22, the powers of ten that are exact doubles. */
const P10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** 10^k for k = −45 … 39 as the nearest doubles (index k + 45), for the decimal exponent. */
const P10_ANY = Array.from({ length: 85 }, (_, i) => Number(`1e${i - 45}`));

const ZERO = 48;
const MINUS = 45;
const DOT = 46;

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** HALF_ULP[E] = 2^(E − 151): half the float32 step at biased exponent E (E = 0, subnormals: as E = 1). */
const HALF_ULP = Float64Array.from({ length: 256 }, (_, E) => 2 ** (Math.max(E, 1) - 151));

/** The decimal exponent of v, set by `analyse`. */
let exponent10 = 0;

/**
 * For a finite float32 v > 0, sets exponent10 = e (10^e ≤ v < 10^(e+1)) and the half-gaps
 * to its float32 neighbours, from its bits: e is first guessed as ⌊E₂ · log10 2⌋ and then
 * corrected by comparing v with the powers of ten. That comparison is exact: no float32
 * equals the double nearest to 10^k for k < 0 (checked in test/float-format.test.ts).
 */
function analyse(v: number): void {
  F32[0] = v;
  const bits = U32[0];
  const E = bits >>> 23; // v > 0: no sign bit
  halfGapAbove = HALF_ULP[E];
  halfGapBelow = (bits & 0x7fffff) === 0 && E > 1 ? HALF_ULP[E] / 2 : HALF_ULP[E]; // a power of two: a finer step below
  let e = Math.floor((E - 127) * 0.3010299956639812); // E − 127 = −127 for subnormals: too low, corrected below
  if (e < -45) e = -45;
  if (e > 38) e = 38;
  while (e > -45 && v < P10_ANY[e + 45]) e--;
  while (e < 38 && v >= P10_ANY[e + 46]) e++;
  exponent10 = e;
}

/** Whether D · 10^−k (D an integer) parses back to v as float32, decided exactly; k in [−22, 22]. */
function roundTrips(D: number, k: number, v: number): boolean {
  return Math.fround(k >= 0 ? D / P10[k] : D * P10[-k]) === v;
}

/** The digit search's result: the value is outDigits · 10^outExponent. */
let outDigits = 0;
let outExponent = 0;

/** Half the gaps from v to its float32 neighbours below and above (exact doubles), set by `analyse`. */
let halfGapBelow = 0;
let halfGapAbove = 0;

/** Slack, in units of the last digit, below which `inside` defers to the exact `roundTrips`. */
const SLACK = 1e-6;

/**
 * Whether D · 10^−k round-trips to v, from r = v · 10^k (one rounding: |error| ≤ ulp(10^9)/2
 * ≈ 6e−8 in units of the last digit) against the half-gaps scaled by 10^k (exact: a power of
 * two times an exact power of ten): clearly inside or outside is decided by two products and a
 * comparison; within SLACK of the border by the exact division.
 */
function inside(D: number, r: number, k: number, v: number): boolean {
  const d = D - r;
  const scale = k >= 0 ? P10[k] : 1 / P10[-k];
  const g = d >= 0 ? halfGapAbove * scale : halfGapBelow * scale;
  const ad = d >= 0 ? d : -d;
  if (ad < g - SLACK) return true;
  if (ad > g + SLACK) return false;
  return roundTrips(D, k, v);
}

/**
 * The nearest p-digit decimal D · 10^−k to v (k = p − 1 − e) if it round-trips (or, below a
 * power of two, its upper neighbour does): D > 0; 0 if neither round-trips; −1 if this path
 * cannot decide (k outside [−22, 22], or r within 1e−6 of a tie, where the double product
 * r = v · 10^k may round to the wrong side).
 */
function trial(v: number, e: number, p: number): number {
  const k = p - 1 - e;
  if (k > 22 || k < -22) return -1;
  const r = k >= 0 ? v * P10[k] : v / P10[-k];
  const D = Math.round(r);
  const f = r - Math.floor(r);
  if (f > 0.5 - SLACK && f < 0.5 + SLACK) return -1;
  if (inside(D, r, k, v)) return D;
  // A power of two has a narrower gap below it than above: the neighbour above may still be inside.
  if (D < r && inside(D + 1, r, k, v)) return D + 1;
  return 0;
}

/**
 * Shortest digits of v = |fround(x)| > 0 with decimal exponent e into outDigits /
 * outExponent (see the file comment): trials from 7 digits down or up to 9.
 * @returns false if the fast path cannot decide (the caller takes the slow path).
 */
function fastDigits(v: number, e: number): boolean {
  let p = 7;
  let D = trial(v, e, p);
  if (D < 0) return false;
  if (D === 0) {
    for (p = 8; p <= 9; p++) {
      D = trial(v, e, p);
      if (D !== 0) break;
    }
    if (D <= 0) return false; // 9 digits always round-trip a float32: only an undecided trial ends here
  } else {
    for (let q = p - 1; q >= 1; q--) {
      const Dq = trial(v, e, q);
      if (Dq < 0) return false;
      if (Dq === 0) break;
      D = Dq;
      p = q;
    }
  }
  outDigits = D;
  outExponent = -(p - 1 - e);
  return true;
}

/** The slow exact path: the nearest shortest candidate (ties to an even last digit) from `toExponential` strings and their neighbours. */
function slowDigits(v: number): void {
  for (let p = 1; p <= 9; p++) {
    const [mant, exp] = v.toExponential(p - 1).split("e");
    const D = Number(mant.replace(".", ""));
    const q = Number(exp) - (p - 1);
    let best = -1;
    let bestDist = Infinity;
    for (const d of [D - 1, D, D + 1]) {
      if (d <= 0) continue;
      const back = Number(`${d}e${q}`);
      if (Math.fround(back) !== v) continue;
      const dist = Math.abs(back - v); // exact: back and v are within a factor 2
      if (dist < bestDist || (dist === bestDist && d % 2 === 0)) {
        best = d;
        bestDist = dist;
      }
    }
    if (best > 0) {
      outDigits = best;
      outExponent = q;
      return;
    }
  }
  throw new Error(`internal: no 9-digit decimal round-trips the float32 ${v}`);
}

/**
 * Writes the shortest decimal that round-trips fround(x) (see the file comment) at `pos`.
 * @param buf - the output; needs 16 free bytes at `pos`.
 * @param pos - where to write.
 * @param x - the number; NaN and ±Infinity are written as JavaScript writes them.
 * @returns the position after the last byte written.
 */
export function writeFloat32(buf: Uint8Array, pos: number, x: number): number {
  const f = Math.fround(x);
  if (f === 0) {
    buf[pos] = ZERO;
    return pos + 1;
  }
  if (!Number.isFinite(f)) return writeAscii(buf, pos, String(f));
  let v = f;
  if (v < 0) {
    buf[pos++] = MINUS;
    v = -v;
  }
  analyse(v);
  if (!fastDigits(v, exponent10)) slowDigits(v);
  let D = outDigits | 0; // ≤ 10^9 < 2^31: int32 arithmetic (no floating-point remainder)
  let q = outExponent;
  for (let t = (D / 10) | 0; t * 10 === D; t = (D / 10) | 0) {
    D = t;
    q++;
  }
  const nd = D < 1e4 ? (D < 10 ? 1 : D < 100 ? 2 : D < 1000 ? 3 : 4) : D < 1e6 ? (D < 1e5 ? 5 : 6) : D < 1e7 ? 7 : D < 1e8 ? 8 : 9;
  // Number::toString's layout, with n the position of the decimal point: value = 0.d1d2… · 10^n.
  // The digits are written from the last one back, straight into buf.
  const n = nd + q;
  if (0 < n && n < nd) {
    // d…d.d…d
    const end = pos + nd + 1;
    let at = end - 1;
    for (let i = nd; i > n; i--) D = lastDigit(buf, at--, D);
    buf[at--] = DOT;
    while (at >= pos) D = lastDigit(buf, at--, D);
    return end;
  }
  if (-6 < n && n <= 0) {
    // 0.0…0d…d
    const end = pos + 2 - n + nd;
    let at = end - 1;
    for (let i = 0; i < nd; i++) D = lastDigit(buf, at--, D);
    while (at > pos + 1) buf[at--] = ZERO;
    buf[pos + 1] = DOT;
    buf[pos] = ZERO;
    return end;
  }
  if (nd <= n && n <= 21) {
    // d…d0…0
    const end = pos + n;
    for (let at = pos + nd; at < end; at++) buf[at] = ZERO;
    for (let at = pos + nd - 1; at >= pos; at--) D = lastDigit(buf, at, D);
    return end;
  }
  // d.d…de±x
  const mantissaEnd = pos + (nd > 1 ? nd + 1 : 1);
  let at = mantissaEnd - 1;
  for (let i = nd; i > 1; i--) D = lastDigit(buf, at--, D);
  if (nd > 1) buf[at--] = DOT;
  buf[at] = ZERO + D;
  return writeAscii(buf, mantissaEnd, n - 1 >= 0 ? `e+${n - 1}` : `e${n - 1}`);
}

/** Writes the last decimal digit of D > 0 (an int32) at buf[at]; returns ⌊D / 10⌋. */
function lastDigit(buf: Uint8Array, at: number, D: number): number {
  const t = (D / 10) | 0;
  buf[at] = ZERO + D - t * 10;
  return t;
}

/** Writes an ASCII string byte by byte; returns the position after it. */
export function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
}

const SCRATCH = new Uint8Array(32);

/**
 * The shortest decimal string that round-trips fround(x) (see the file comment).
 * @param x - the number.
 * @returns e.g. "-0.30103" for Math.log10(0.5), "1e-7", "-99".
 */
export function formatFloat32(x: number): string {
  const end = writeFloat32(SCRATCH, 0, x);
  return String.fromCharCode(...SCRATCH.subarray(0, end));
}
