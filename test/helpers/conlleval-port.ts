/**
 * A line-by-line port of the counting part of `conlleval.pl` (Erik Tjong Kim Sang,
 * version 2004-01-26, as distributed with the CoNLL-2000–2003 shared tasks), written from
 * the script's subroutines `endOfChunk` and `startOfChunk` and its main loop, for the tests
 * to use as an oracle: it keeps conlleval's state machine (`inCorrect`, last tags and types)
 * instead of comparing chunk sets, so agreeing with lib/src/ner/evaluate.ts on random input
 * is evidence that the set semantics there is conlleval's.
 *
 * Input: lines of `... gold guessed`, blank lines as boundaries (default delimiter, no
 * -r raw mode, boundary token "-X-"); fields are split at runs of spaces, tabs and CRs, as
 * lib/src/ner/conlleval.ts splits them (the script splits at single spaces). Output: the
 * script's counters.
 */

/** conlleval's counters after reading the input. */
export interface ConllevalCounts {
  tokenCounter: number;
  correctTags: number;
  foundCorrect: number;
  foundGuessed: number;
  correctChunk: number;
  foundCorrectByType: Record<string, number>;
  foundGuessedByType: Record<string, number>;
  correctChunkByType: Record<string, number>;
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let chunkEnd = false;
  if (prevTag === "B" && tag === "B") chunkEnd = true;
  if (prevTag === "B" && tag === "O") chunkEnd = true;
  if (prevTag === "I" && tag === "B") chunkEnd = true;
  if (prevTag === "I" && tag === "O") chunkEnd = true;
  if (prevTag === "E" && tag === "E") chunkEnd = true;
  if (prevTag === "E" && tag === "I") chunkEnd = true;
  if (prevTag === "E" && tag === "O") chunkEnd = true;
  if (prevTag === "I" && tag === "O") chunkEnd = true;
  if (prevTag !== "O" && prevTag !== "." && prevType !== type) chunkEnd = true;
  // corrected 1998-12-22: these chunks are assumed to have length 1
  if (prevTag === "]") chunkEnd = true;
  if (prevTag === "[") chunkEnd = true;
  return chunkEnd;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let chunkStart = false;
  if (prevTag === "B" && tag === "B") chunkStart = true;
  if (prevTag === "I" && tag === "B") chunkStart = true;
  if (prevTag === "O" && tag === "B") chunkStart = true;
  if (prevTag === "O" && tag === "I") chunkStart = true;
  if (prevTag === "E" && tag === "E") chunkStart = true;
  if (prevTag === "E" && tag === "I") chunkStart = true;
  if (prevTag === "O" && tag === "E") chunkStart = true;
  if (prevTag === "O" && tag === "I") chunkStart = true;
  if (tag !== "O" && tag !== "." && prevType !== type) chunkStart = true;
  // corrected 1998-12-22: these chunks are assumed to have length 1
  if (tag === "[") chunkStart = true;
  if (tag === "]") chunkStart = true;
  return chunkStart;
}

/** `if ($x =~ /^([^-]*)-(.*)$/) { ($1, $2) } else { ($x, "") }` */
function split(tag: string): [string, string] {
  const m = /^([^-]*)-(.*)$/s.exec(tag);
  return m === null ? [tag, ""] : [m[1], m[2]];
}

const inc = (h: Record<string, number>, k: string) => (h[k] = (h[k] ?? 0) + 1);

/** Runs conlleval's main loop over the text (see the file comment). */
export function conllevalCounts(text: string): ConllevalCounts {
  const boundary = "-X-";
  const c: ConllevalCounts = {
    tokenCounter: 0,
    correctTags: 0,
    foundCorrect: 0,
    foundGuessed: 0,
    correctChunk: 0,
    foundCorrectByType: {},
    foundGuessedByType: {},
    correctChunkByType: {},
  };
  let inCorrect = false;
  let lastCorrect = "O";
  let lastGuessed = "O";
  let lastCorrectType = "";
  let lastGuessedType = "";
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop(); // `while (<STDIN>)` reads no line after the final newline
  for (const line of lines) {
    let features = line.split(/[ \t\r\f\v]+/).filter((f) => f !== "");
    if (features.length === 0 || features[0] === boundary) features = [boundary, "O", "O"];
    let [guessed, guessedType] = split(features.pop()!);
    const [correct, correctType] = split(features.pop()!);
    const firstItem = features.shift();
    // 1999-06-26 sentence breaks should always be counted as out of chunk
    if (firstItem === boundary) guessed = "O";

    if (inCorrect) {
      const ce = endOfChunk(lastCorrect, correct, lastCorrectType, correctType);
      const ge = endOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
      if (ce && ge && lastGuessedType === lastCorrectType) {
        inCorrect = false;
        c.correctChunk++;
        inc(c.correctChunkByType, lastCorrectType);
      } else if (ce !== ge || guessedType !== correctType) {
        inCorrect = false;
      }
    }
    const cs = startOfChunk(lastCorrect, correct, lastCorrectType, correctType);
    const gs = startOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
    if (cs && gs && guessedType === correctType) inCorrect = true;
    if (cs) {
      c.foundCorrect++;
      inc(c.foundCorrectByType, correctType);
    }
    if (gs) {
      c.foundGuessed++;
      inc(c.foundGuessedByType, guessedType);
    }
    if (firstItem !== boundary) {
      if (correct === guessed && guessedType === correctType) c.correctTags++;
      c.tokenCounter++;
    }
    lastGuessed = guessed;
    lastCorrect = correct;
    lastGuessedType = guessedType;
    lastCorrectType = correctType;
  }
  if (inCorrect) {
    c.correctChunk++;
    inc(c.correctChunkByType, lastCorrectType);
  }
  return c;
}
