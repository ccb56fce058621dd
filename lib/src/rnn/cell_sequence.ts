/**
 * `cellSequence`: runs any `RecurrentCell` over a padded batch [B, T, D] — the cell's own
 * `sequence` fast path if it has one (the built-in cells use the fused sequence ops of
 * ops/sequence.ts), else a loop over `cell.step` with the same recurrence loop (`scan`)
 * and conventions as those ops: a padded step (mask 0) carries the state over and outputs
 * 0, `reverse` runs t = T-1 … 0 with outputs aligned to the inputs, and the initial state
 * defaults to `cell.zeroState(B)`.
 *
 * It lives in rnn/, beside `RecurrentCell`, so that ops/ never imports rnn/.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { checkInputs, checkState, scan, tidyResult, unstackSteps } from "../ops/sequence.js";
import type { RecurrentCell, SequenceOptions, SequenceResult } from "./cell.js";

/**
 * Runs any recurrent cell over a batch: `cell.sequence` if the cell has it, else a loop
 * over `cell.step` with the masking and reverse conventions of ops/sequence.ts.
 * @param cell - the cell.
 * @param xs - [B, T, D] inputs, D = `cell.inputSize`.
 * @param options - mask [B, T], initial state, reverse.
 * @returns outputs [B, T, H] and the final state (each [B, H]).
 */
export function cellSequence(cell: RecurrentCell, xs: tf.Tensor3D, options: SequenceOptions = {}): SequenceResult {
  if (cell.sequence !== undefined) return cell.sequence(xs, options);
  const where = `cellSequence(${cell.name})`;
  const [B, T] = checkInputs(where, xs, cell.inputSize, options.mask);
  const count = tf.tidy(() => cell.zeroState(1).length);
  if (options.initialState !== undefined) checkState(where, options.initialState, B, cell.hiddenSize, count);
  return tidyResult(() => {
    const initialState = options.initialState ?? cell.zeroState(B);
    const steps = unstackSteps(xs); // T × [B, D]
    return scan(steps, initialState, options, (x, state) => {
      const next = cell.step(x, state);
      if (next.length !== count) {
        throw new ArgumentError(`${where}: expected step() to return ${count} state tensor(s) (as zeroState), got ${next.length}`);
      }
      return next;
    });
  });
}
