/**
 * The biLSTM-CRF tagger's emissions (lib/src/tagging/bilstm_crf.ts) are computed without
 * concatenating along the last axis (each LSTM direction projected by its half of U; char
 * features joined by `concatColumns`, tagging/char_encoder.ts), because the gradient of
 * such a concat is slow on the cpu and seqlab backends. Oracles here:
 * - `concatColumns` = `tf.concat(parts, 1)`: values and gradients equal exactly (both only
 *   copy numbers);
 * - the tagger's emissions and their gradients w.r.t. every weight = the direct form
 *   written here from the layers' own methods: `Bidirectional.run` (which concatenates
 *   [→h, ←h]), `Linear.applySequence`, and for chars the concatenated final states of
 *   the char biLSTM over all words at full length C — with ragged masks, words of 0..7
 *   characters, with and without char features, with the engine and with the reference ops.
 * Tolerance: the two forms sum the same products of e_t = Σ_k h_k U_kj in a different
 * order (2H terms in one GEMM vs two GEMMs of H terms), so they differ by float32
 * rounding: |Δ| ≤ 1e-5·(1 + max|want|) (seen: ≤ 1e-7); a wrong half of U or a swapped
 * direction differs by O(1).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { getKernels, withKernels } from "../lib/src/engine/engine.js";
import { setSeed } from "../lib/src/random.js";
import { BiLstmCrfTagger, type TaggerBatch } from "../lib/src/tagging/bilstm_crf.js";
import { concatColumns } from "../lib/src/tagging/char_encoder.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** max |a − b| ≤ tol·(1 + max |b|). */
function assertClose(what: string, a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let worst = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  assert.ok(worst <= tol * (1 + scale), `${what}: max |Δ| ${worst.toExponential(2)} > ${tol}·(1 + ${scale.toFixed(3)})`);
}

/** The tagger's emissions in the direct form (see the file comment). */
function directEmissions(tagger: BiLstmCrfTagger, batch: TaggerBatch): tf.Tensor3D {
  const { words, mask, chars } = batch;
  const [B, T] = words.shape;
  let x = tf.gather(tagger.embedding as tf.Tensor, words) as tf.Tensor3D; // [B, T, E]
  const enc = tagger.charEncoder;
  if (enc !== undefined && chars !== undefined) {
    const C = chars.shape[2];
    const flat = tf.reshape(chars, [B * T, C]) as tf.Tensor2D;
    const charMask = tf.cast(tf.notEqual(flat, 0), "float32") as tf.Tensor2D;
    const { finalStates } = enc.bilstm.run(tf.gather(enc.embedding as tf.Tensor, flat) as tf.Tensor3D, { mask: charMask });
    const f = tf.reshape(tf.concat([finalStates[0][0], finalStates[1][0]], 1), [B, T, enc.outputSize]); // [B, T, 2Hc]
    x = tf.concat([x, f], 2) as tf.Tensor3D; // [B, T, E+2Hc]
  }
  return tagger.out.applySequence(tagger.bilstm.run(x, { mask }).outputs); // [B, T, K]
}

/**
 * A batch of B = 3 sentences of T = 5 words, lengths 5, 3, 1; real words of 1..7
 * characters (C = 7: the char encoder's 4 length buckets then hold words of different
 * lengths), padded positions without characters.
 */
function makeBatch(withChars: boolean): TaggerBatch {
  const lengths = [5, 3, 1];
  const words = [[1, 7, 3, 9, 2], [4, 4, 8, 0, 0], [5, 0, 0, 0, 0]];
  const batch: TaggerBatch = {
    words: tf.tensor2d(words, [3, 5], "int32"),
    mask: tf.tensor2d(lengths.map((L) => Array.from({ length: 5 }, (_, t) => (t < L ? 1 : 0))), [3, 5]),
  };
  if (withChars) {
    const chars = words.map((row, b) => row.map((w, t) => Array.from({ length: 7 }, (_, j) => (t < lengths[b] && j <= (w + 2 * t) % 7 ? 1 + ((w * 3 + j) % 11) : 0))));
    batch.chars = tf.tensor3d(chars, [3, 5, 7], "int32");
  }
  return batch;
}

describe("concatColumns", () => {
  test("= tf.concat(parts, 1), values and gradients exactly", () => {
    tf.tidy(() => {
      const parts = [tf.randomNormal([7, 3], 0, 1, "float32", 1), tf.randomNormal([7, 5], 0, 1, "float32", 2), tf.randomNormal([7, 1], 0, 1, "float32", 3)] as tf.Tensor2D[];
      const R = tf.randomNormal([7, 9], 0, 1, "float32", 4); // a random linear read-out, so every column has its own gradient
      assert.deepEqual(concatColumns(parts).arraySync(), tf.concat(parts, 1).arraySync());
      const loss = (f: (p: tf.Tensor2D[]) => tf.Tensor) => (...p: tf.Tensor[]) => tf.sum(tf.mul(f(p as tf.Tensor2D[]), R));
      const got = tf.grads(loss(concatColumns))(parts);
      const want = tf.grads(loss((p) => tf.concat(p, 1)))(parts);
      got.forEach((g, i) => assert.deepEqual(g.arraySync(), want[i].arraySync(), `gradient of part ${i}`));
    });
  });
});

describe("BiLstmCrfTagger.emissions = the direct form (Bidirectional.run + Linear.applySequence)", () => {
  for (const withChars of [false, true]) {
    for (const engine of ["active engine", "reference ops"] as const) {
      test(`${withChars ? "with" : "without"} char features, ${engine}: values and gradients w.r.t. every weight`, () => {
        setSeed(11);
        const tagger = new BiLstmCrfTagger({
          vocabularySize: 10, numTags: 4, embeddingSize: 6, hiddenSize: 5,
          chars: withChars ? { alphabetSize: 12, embeddingSize: 3, hiddenSize: 4 } : undefined,
        });
        const batch = makeBatch(withChars);
        const R = tf.randomNormal([3, 5, 4], 0, 1, "float32", 5); // read-out of the emissions
        const weights = tagger.weights.filter((w) => !tagger.crf.weights.includes(w)); // all but the CRF's (not in the emissions)
        withKernels(engine === "reference ops" ? null : getKernels(), () => {
          tf.tidy(() => {
            assertClose("emissions", tagger.emissions(batch).dataSync(), directEmissions(tagger, batch).dataSync(), 1e-5);
            const got = tf.variableGrads(() => tf.sum(tf.mul(tagger.emissions(batch), R)) as tf.Scalar, weights).grads;
            const want = tf.variableGrads(() => tf.sum(tf.mul(directEmissions(tagger, batch), R)) as tf.Scalar, weights).grads;
            assert.equal(Object.keys(got).length, withChars ? 12 : 7); // E_word, 2 × (W, b), U, b̂ (+ E_char, 2 × (W, b))
            for (const w of weights) assertClose(`d/d ${w.name} [${w.shape}]`, got[w.name].dataSync(), want[w.name].dataSync(), 1e-5);
          });
        });
        tf.dispose([R, batch.words, batch.mask!, ...(batch.chars ? [batch.chars] : []), ...tagger.weights]);
      });
    }
  }
});
