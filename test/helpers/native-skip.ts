/**
 * For the tests of the native engine: why they are skipped here, or undefined when the
 * native engine loads (it is built at `npm install` where a C compiler and OpenBLAS exist).
 */
import { loadNativeKernels } from "../../lib/src/engine/native.js";

export function nativeSkip(): string | undefined {
  try {
    loadNativeKernels();
    return undefined;
  } catch (e) {
    return `the native engine does not load: ${(e as Error).message}`;
  }
}
