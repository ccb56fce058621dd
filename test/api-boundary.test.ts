/**
 * The public API boundary (issue 11, D11 and D6's library part): a wrong argument is an
 * `ArgumentError` at the function the user called, whose one-line message names the
 * argument and says "expected X, got Y" — never a raw tfjs error from deep inside, a
 * TypeError, `undefined`, or an empty model.
 *
 * Each test failed on the code before the fix: cell.step with the wrong input size threw
 * tfjs's "Error in matMul: inner shapes … must match"; byProfile({ ci: 1 }) returned
 * undefined in the full profile; perplexity(null, …) threw "TypeError: Cannot read
 * properties of null"; KneserNeyLm.fromSentences([], 3) returned a model; a vocabulary of
 * the special tokens only was built; WordDropout's message named the class.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { ArgumentError } from "../lib/src/errors.js";
import { setSeed } from "../lib/src/random.js";
import { byProfile } from "../lib/src/notebook/profile.js";
import { RnnCell } from "../lib/src/rnn/rnn_cell.js";
import { LstmCell } from "../lib/src/rnn/lstm.js";
import { GruCell } from "../lib/src/rnn/gru.js";
import { recurrentLayer } from "../lib/src/rnn/layer.js";
import { StackedRnn } from "../lib/src/rnn/stacked.js";
import { Bidirectional } from "../lib/src/rnn/bidirectional.js";
import { KneserNeyLm } from "../lib/src/lm/kneser_ney.js";
import { NgramCounts } from "../lib/src/lm/ngram_counts.js";
import { perplexity, perplexityFromLogProbs } from "../lib/src/lm/perplexity.js";
import { Vocab } from "../lib/src/data/vocab.js";
import { WordDropout } from "../lib/src/data/unk.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** assert.throws for an ArgumentError with exactly this message. */
function throwsArg(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ArgumentError, `expected an ArgumentError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe("cells and layers check shapes at their public boundary (D11)", () => {
  const D = 8;
  const H = 4;
  const cells = () => {
    setSeed(1);
    return [
      { cell: new RnnCell(D, H), name: "RnnCell", state: ["h"] },
      { cell: new LstmCell(D, H), name: "LstmCell", state: ["h", "C"] },
      { cell: new GruCell(D, H), name: "GruCell", state: ["h"] },
    ];
  };

  test("step: x of the wrong input size, rank or type; a state of the wrong size or length", () => {
    for (const { cell, name, state } of cells()) {
      tf.tidy(() => {
        const s = cell.zeroState(2);
        throwsArg(() => cell.step(tf.ones([2, 9]) as tf.Tensor2D, s), `${name}.step: expected x of shape [batch, inputSize=8], got [2,9]`);
        throwsArg(() => cell.step(tf.ones([8]) as unknown as tf.Tensor2D, s), `${name}.step: expected x of shape [batch, inputSize=8], got [8]`);
        throwsArg(() => cell.step([[1, 2]] as unknown as tf.Tensor2D, s), `${name}.step: expected x of shape [batch, inputSize=8], got an array (not a tensor)`);
        throwsArg(() => cell.step(tf.ones([3, D]) as tf.Tensor2D, s), `${name}.step: expected state[0] (h) of shape [batch=3, hiddenSize=4], got [2,4]`);
        throwsArg(
          () => cell.step(tf.ones([2, D]) as tf.Tensor2D, []),
          `${name}.step: expected state of ${state.length} tensor${state.length > 1 ? "s" : ""} [${state.join(", ")}], got 0 tensors`,
        );
        // The right shapes still work.
        assert.deepEqual(cell.step(tf.ones([2, D]) as tf.Tensor2D, s)[0].shape, [2, H]);
      });
    }
  });

  test("the layers: xs and mask, named after the layer the user called", () => {
    for (const { cell, name } of cells()) {
      tf.tidy(() => {
        // cell.sequence is checked by the sequence ops (test/sequence.test.ts); the layers name themselves.
        throwsArg(() => recurrentLayer(cell).run(tf.ones([2, 5, 9]) as tf.Tensor3D), `recurrentLayer(${cell.name}).run: expected xs of shape [batch, time, inputSize=8], got [2,5,9]`);
      });
    }
    setSeed(2);
    tf.tidy(() => {
      const bi = new Bidirectional(new LstmCell(D, H), new GruCell(D, H));
      throwsArg(() => bi.run(tf.ones([2, 5, 9]) as tf.Tensor3D), "Bidirectional.run: expected xs of shape [batch, time, inputSize=8], got [2,5,9]");
      const stack = new StackedRnn([new LstmCell(D, H), new GruCell(H, H)]);
      throwsArg(() => stack.run(tf.ones([2, D]) as unknown as tf.Tensor3D), "StackedRnn.run: expected xs of shape [batch, time, inputSize=8], got [2,8]");
      throwsArg(() => stack.run(tf.ones([2, 5, D]) as tf.Tensor3D, { mask: tf.ones([5, 2]) as tf.Tensor2D }), "StackedRnn.run: expected mask of shape [batch=2, time=5], got [5,2]");
      assert.deepEqual(stack.run(tf.ones([2, 5, D]) as tf.Tensor3D).outputs.shape, [2, 5, H]);
    });
  });
});

describe("language models, vocabularies, profiles (D11, D6)", () => {
  test("byProfile: a missing profile is an error naming it, in either profile", () => {
    throwsArg(() => byProfile({ ci: 1 } as never, "full"), "byProfile: expected a value for 'full' (the active profile is 'full'), got only ci");
    throwsArg(() => byProfile({ ci: 1 } as never, "ci"), "byProfile: expected a value for 'full', got only ci");
    throwsArg(() => byProfile({ ci: 1, full: 2, cI: 3 } as never, "ci"), "byProfile: expected only the keys ci, full, got 'cI'");
    throwsArg(() => byProfile(null as never, "ci"), "byProfile: expected an object with a value per profile { ci, full }, got null");
    assert.equal(byProfile({ ci: 1, full: 2 }, "full"), 2);
    assert.equal(byProfile({ ci: 0, full: null }, "ci"), 0); // falsy values are values
    assert.equal(byProfile({ ci: undefined, full: "runs" }, "ci"), undefined); // an explicit undefined too (notebook 04)
  });

  test("perplexity: a missing model or corpus is an ArgumentError, not a TypeError", () => {
    const kn = KneserNeyLm.fromSentences([["a", "b"], ["b", "a"]], 2);
    throwsArg(() => perplexity(null as never, [["a"]]), "perplexity: expected model, a LanguageModel (vocabulary, unk, logProb), got null");
    throwsArg(() => perplexity({} as never, [["a"]]), "perplexity: expected model, a LanguageModel (vocabulary, unk, logProb), got an object without logProb()");
    throwsArg(() => perplexity(kn, null as never), "perplexity: expected sentences, an iterable of token arrays, got null");
    throwsArg(() => perplexity(kn, "a b" as never), 'perplexity: expected sentences, an iterable of token arrays, got "a b"');
    throwsArg(() => perplexity(kn, [["a"], "b" as never]), 'perplexity: expected sentences[1] to be an array of tokens, got "b"');
    throwsArg(() => perplexityFromLogProbs(null as never), "perplexityFromLogProbs: expected logProbs, an array of numbers, got null");
    assert.ok(perplexity(kn, [["a", "b"]]).perplexity > 1);
  });

  test("KneserNeyLm / NgramCounts: an empty corpus, non-arrays and tokens with white space are errors", () => {
    throwsArg(() => KneserNeyLm.fromSentences([], 3), "sentences: expected at least one word, got no sentences");
    throwsArg(() => KneserNeyLm.fromSentences([[], []], 2), "sentences: expected at least one word, got 2 empty sentences");
    throwsArg(() => KneserNeyLm.fromSentences(null as never, 2), "sentences: expected an iterable of token arrays, got null");
    throwsArg(() => KneserNeyLm.fromSentences(["a b" as never], 2), 'sentences[0]: expected an array of tokens, got "a b"');
    // A token with a space would be written into the ARPA file as two words.
    throwsArg(() => NgramCounts.fromSentences([["a"], ["b c"]], 2), 'sentences[1]: expected tokens that are non-empty strings without white space, got "b c"');
    throwsArg(() => NgramCounts.fromSentences([["a", ""]], 2), 'sentences[0]: expected tokens that are non-empty strings without white space, got ""');
    throwsArg(() => KneserNeyLm.fromCounts(null as never), "counts: expected NgramCounts (NgramCounts.fromSentences), got null");
  });

  test("Vocab: no real word is an error naming minCount / maxSize and the counts; messages name the option, not the class", () => {
    const corpus = [["the", "cat"], ["the", "dog"]];
    throwsArg(
      () => Vocab.fromSentences(corpus, { minCount: 1_000_000 }),
      "minCount: expected at most 2 (the count of the most frequent of the 3 word types), got 1000000, which leaves no word in the vocabulary",
    );
    throwsArg(() => Vocab.fromSentences(corpus, { maxSize: 2 }), "maxSize: expected an integer ≥ 5 (the 4 special tokens and at least one word), got 2");
    throwsArg(() => Vocab.fromSentences([["<unk>"]]), "sentences: expected at least one word besides the special tokens and <unk>, got none in 1 tokens");
    throwsArg(() => Vocab.fromSentences(corpus, { unkAliases: "<unk>" as never }), 'unkAliases: expected an array of strings, got "<unk>"');
    throwsArg(() => new WordDropout({ p: 1.5 }), "wordDropout: expected a probability in [0, 1], got 1.5");
    throwsArg(() => new WordDropout({ p: 0.1, unkId: -1 }), "unkId: expected an integer id ≥ 0, got -1");
    assert.equal(Vocab.fromSentences(corpus, { maxSize: 5 }).tokens[4], "the");
  });
});
