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
