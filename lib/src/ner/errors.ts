/**
 * The errors of the NER data layer. Each names the file and line (or the sentence and
 * token) and says what was expected and what was found.
 *
 * - `BratError`: a BRAT standoff pair (`.txt` + `.ann`) that cannot be read as written
 *   (a malformed line, an unknown line kind, an offset past the end of the text, a span
 *   whose text differs from the annotation, …): "FILE.ann:LINE: expected …, got …".
 * - `ConllError`: a CoNLL column file with a wrong column count, an unknown tag, …:
 *   "FILE:LINE: expected …, got …".
 * - `TagError`: a tag sequence or span list that cannot be converted or scored (an unknown
 *   tag, overlapping spans, an invalid transition in strict mode): "SOURCE: sentence S,
 *   token T: expected …, got …".
 *
 * `BratError` and `ConllError` are `DatasetError`s (datasets/folder.ts), so a caller that
 * loads any dataset can catch one kind.
 */
import { SeqlabError } from "../errors.js";
import { DatasetError } from "../datasets/folder.js";

/** A BRAT standoff document (`.txt` + `.ann`) that cannot be read as written. */
export class BratError extends DatasetError {}

/** A CoNLL column file that cannot be read as written. */
export class ConllError extends DatasetError {}

/** A tag, tag sequence or span list that cannot be converted or scored. */
export class TagError extends SeqlabError {}
