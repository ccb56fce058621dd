/**
 * Errors of the course tooling, under the library's one base class (`SeqlabError`), so a
 * caller tells every seqlab failure apart from a bug with one `instanceof`.
 */
import { SeqlabError } from "seqlab";

/** A notebook file cannot be read, parsed or found, or is not nbformat 4 (see `nbformat.ts`). */
export class NotebookError extends SeqlabError {}

/** The Jupyter kernel could not be started, answered wrongly or died (see `kernel.ts`). */
export class KernelError extends SeqlabError {}
