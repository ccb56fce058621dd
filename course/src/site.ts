/**
 * The bridge to the course-site renderer, `site/render.ts` (written separately). It is
 * imported lazily, when a site is rendered, so `kernel`, `lab` and `run --no-site` never
 * load the renderer and its dependencies (markdown-it, KaTeX, ...). The import path is a
 * literal, so the compiler still checks the renderer's signature against this use.
 */
import type { RenderedSite, RenderSiteOptions } from "./site/render.js";

export type { RenderedSite, RenderSiteOptions };

/** Renders the course site from a folder of executed notebooks: `site/render.ts`'s `renderSite`. */
export async function renderSite(opts: RenderSiteOptions): Promise<RenderedSite> {
  const renderer = await import("./site/render.js");
  return renderer.renderSite(opts);
}
