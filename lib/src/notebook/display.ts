/**
 * Rich output for notebooks: sends a Jupyter mime bundle (several representations of
 * one object, e.g. plotly JSON + HTML + plain text) as a `display_data` message.
 *
 * Inside the tslab kernel, seqlab finds the running tslab (the process's main module)
 * and uses its output channel; `tslab.display` itself can send only one mime type per
 * output. Outside a notebook (plain `node`, tests), the `text/plain` part is printed.
 */
import * as path from "path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A Jupyter mime bundle: mime type → content (strings, or JSON for `*+json` types). */
export type MimeBundle = Record<string, unknown> & { "text/plain": string };

type WriteDisplayData = (
  data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

/** The running tslab kernel's output module, or undefined when not inside tslab. */
function tslabJupyter(): TslabJupyterModule | undefined {
  const main = require.main?.filename;
  if (!main || !/[\\/]tslab[\\/]bin[\\/]tslab(\.js)?$/.test(main)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(path.dirname(main), "..", "dist", "jupyter.js")) as TslabJupyterModule;
  } catch {
    return undefined;
  }
}

/** True when running inside the tslab Jupyter kernel (so rich output is shown). */
export function inNotebook(): boolean {
  return tslabJupyter()?.lastWriteDisplayData != null;
}

/**
 * Displays `bundle` as one cell output. In a notebook the front end picks the richest
 * type it can render; elsewhere `bundle["text/plain"]` is printed to stdout.
 */
export function display(bundle: MimeBundle): void {
  const write = tslabJupyter()?.lastWriteDisplayData;
  if (write) {
    write({ data: bundle, metadata: {}, transient: {} }, false);
  } else {
    process.stdout.write(bundle["text/plain"].endsWith("\n") ? bundle["text/plain"] : bundle["text/plain"] + "\n");
  }
}

/** Escapes text for inclusion in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
