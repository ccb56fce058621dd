/**
 * Errors that seqlab throws on purpose. Every message says what was expected and what
 * was found ("expected X, got Y"), naming the argument, file, line or offset.
 * Callers can test the kind with `instanceof`.
 */
export class SeqlabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument or option has the wrong shape, type or value. */
export class ArgumentError extends SeqlabError {}

/** The compute backend could not be chosen, loaded or used as asked (see `backend/backend.ts`). */
export class BackendError extends SeqlabError {}

/** A long job (e.g. `seqlab train-lm`) stopped on SIGINT or SIGTERM; the CLI exits 128 + the signal's number. */
export class InterruptedError extends SeqlabError {
  /**
   * @param message - what was kept and how to continue.
   * @param signal - the signal that stopped it.
   */
  constructor(message: string, readonly signal: "SIGINT" | "SIGTERM") {
    super(message);
  }
}
