/**
 * The names of the compute backends seqlab can run on, in the order `initBackend`
 * (backend/backend.ts) tries them. A leaf of backend/: backend.ts and kernels/index.ts
 * both need the names, and neither imports the other for them.
 */

/** A compute backend seqlab can run on. */
export type BackendName = "tensorflow" | "wasm" | "cpu" | "seqlab";

/** The backends tried when none is forced, most preferred first. */
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "seqlab", "wasm", "cpu"];

/** Every backend name `initBackend` and `SEQLAB_BACKEND` accept. */
export const ALL_BACKEND_NAMES: readonly BackendName[] = BACKEND_NAMES;
