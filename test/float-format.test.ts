/**
 * The ARPA writer's number formatter (lib/src/lm/float_format.ts) against an oracle built
 * here from JavaScript's own conversions, with fast-check properties over float32 values,
 * doubles (as the writer gets them) and log10 probabilities:
 * - round trip: Math.fround(parseFloat(s)) === Math.fround(x), what a reader that keeps
 *   float32 (KenLM, SRILM, IRSTLM) gets back;
 * - shortest and nearest: s equals the oracle's choice, the decimal with the fewest
 *   significant digits that round-trips, nearest to fround(x) among those (ties to an even
 *   last digit), found by trying `toExponential(p − 1)` and its neighbours for p = 1 … 9;
 * - layout: s is how Number.prototype.toString writes that decimal (String(Number(s)) === s);
 * - exhaustive sweeps around powers of two and ten, subnormals and the largest float32;
 * - the one assumption of the fast path: no float32 equals the double nearest 10^k, k < 0.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatFloat32, writeFloat32 } from "../lib/src/lm/float_format.js";

const RUNS = Number(process.env.SEQLAB_FUZZ_RUNS ?? 400) * 25;

/** The oracle: the shortest decimal string s with Math.fround(Number(s)) === fround(x), nearest, ties to even. */
function oracle(x: number): string {
  const v = Math.fround(x);
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  for (let p = 1; p <= 9; p++) {
    const [mantissa, exp] = a.toExponential(p - 1).split("e");
    const D = BigInt(mantissa.replace(".", ""));
    const q = Number(exp) - (p - 1);
    let best: number | undefined;
    let bestDistance = Infinity;
    let bestDigits = 0n;
    for (const d of [D - 1n, D, D + 1n]) {
      if (d <= 0n) continue;
      const c = Number(`${d}e${q}`);
      if (Math.fround(c) !== a) continue;
      const distance = Math.abs(c - a);
      if (distance < bestDistance || (distance === bestDistance && d % 2n === 0n && bestDigits % 2n !== 0n)) {
        best = c;
        bestDistance = distance;
        bestDigits = d;
      }
    }
    if (best !== undefined) return (v < 0 ? "-" : "") + String(best);
  }
  throw new Error(`oracle: no 9-digit decimal for ${v}`);
}

/** The checks every formatted number must pass. */
function check(x: number): void {
  const s = formatFloat32(x);
  assert.equal(s, oracle(x), `x = ${x} (float32 ${Math.fround(x)})`);
  const v = Math.fround(x);
  if (Number.isNaN(v)) return;
  assert.equal(Math.fround(parseFloat(s)), v === 0 ? 0 : v, `round trip of ${s}`);
  assert.equal(String(Number(s)), s, `layout of ${s}`);
  const significant = s.replace(/^-/, "").replace(/e.*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  assert.ok(significant.length <= 9, `at most 9 significant digits: ${s}`);
}

describe("formatFloat32: shortest round-trip decimals of float32 values", () => {
  test("float32 values of every magnitude (fast-check fc.float)", () => {
    fc.assert(fc.property(fc.float({ noNaN: true }), (x) => check(x)), { numRuns: RUNS, seed: 1 });
  });

  test("doubles, as the writer gets them (rounded to float32 first)", () => {
    fc.assert(fc.property(fc.double({ noNaN: true }), (x) => check(x)), { numRuns: RUNS, seed: 2 });
  });

  test("log10 probabilities and back-off weights, the ARPA file's numbers", () => {
    fc.assert(fc.property(fc.double({ min: 1e-30, max: 1, noNaN: true }), (p) => check(Math.log10(p))), { numRuns: RUNS, seed: 3 });
  });

  test("exhaustive sweeps: the float32 values next to powers of two and ten, subnormals, the largest", () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const around = (center: number, steps: number) => {
      f32[0] = center;
      const bits = u32[0];
      for (let d = -steps; d <= steps; d++) {
        u32[0] = bits + d;
        if (Number.isFinite(f32[0])) check(f32[0]);
      }
    };
    for (let e = -149; e <= 127; e++) around(2 ** e, 3);
    for (let k = -45; k <= 38; k++) around(Number(`1e${k}`), 40);
    around(1.401298464324817e-45, 40); // the smallest subnormal
    around(3.4028234663852886e38, 40); // the largest float32
    for (const x of [0.5, -0.25, 1, -1, -99, 100, 1e-7, -1e-7, 1e21, 123456789, 0.1, -0.30102999566398120]) check(x);
  });

  test("NaN, ±Infinity and ±0 as JavaScript writes them", () => {
    assert.equal(formatFloat32(NaN), "NaN");
    assert.equal(formatFloat32(Infinity), "Infinity");
    assert.equal(formatFloat32(-Infinity), "-Infinity");
    assert.equal(formatFloat32(0), "0");
    assert.equal(formatFloat32(-0), "0");
    assert.equal(formatFloat32(1e39), "Infinity"); // above the largest float32
  });

  test("examples: KenLM-style numbers, and the layout switch at 1e-6 and 1e21", () => {
    assert.equal(formatFloat32(Math.log10(0.5)), "-0.30103");
    assert.equal(formatFloat32(-5.127232), "-5.127232");
    assert.equal(formatFloat32(1e-6), "0.000001");
    assert.equal(formatFloat32(1e-7), "1e-7");
    assert.equal(formatFloat32(-1.5e-7), "-1.5e-7");
    assert.equal(formatFloat32(1e21), "1e+21");
    assert.equal(formatFloat32(16777216), "16777216");
    assert.equal(formatFloat32(0.1), "0.1"); // float32 0.1 is 0.100000001490116…: "0.1" reads back as it
  });

  test("writeFloat32 writes the same bytes at an offset and returns the end", () => {
    const buf = new Uint8Array(64).fill(120);
    const end = writeFloat32(buf, 5, -1.2345678);
    assert.equal(Buffer.from(buf.subarray(5, end)).toString("latin1"), formatFloat32(-1.2345678));
    assert.equal(buf[4], 120);
    assert.equal(buf[end], 120);
  });

  test("no float32 equals the double nearest 10^k for k = −1 … −45 (so comparing with it decides v < 10^k exactly)", () => {
    for (let k = 1; k <= 45; k++) {
      const p = Number(`1e-${k}`);
      assert.notEqual(Math.fround(p), p, `10^-${k}`);
    }
  });
});
