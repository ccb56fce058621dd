/**
 * The site's local assets, copied into `outDir/assets/` so pages open from disk with no
 * network:
 * 1. `site.css` (see `style.ts`);
 * 2. `katex/katex.min.css` and `katex/fonts/` from the installed `katex` package;
 * 3. when some page has figures, `plotly.js` and `plots.js` (see `plot.ts`).
 *
 * Every file is copied as its package ships it; nothing is built or minified here.
 * plotly.js-dist ships one bundle, `plotly.js` (~11 MB, not minified; plotly publishes
 * a minified build only as the separate package plotly.js-dist-min).
 */
import { copyFileSync, cpSync, mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { PLOTS_JS } from "./plot.js";
import { SITE_CSS } from "./style.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Asset paths, relative to the site's root (where the pages are). */
export const ASSETS = {
  siteCss: "assets/site.css",
  katexCss: "assets/katex/katex.min.css",
  plotly: "assets/plotly.js",
  plotsJs: "assets/plots.js",
} as const;

/** What `writeAssets` needs to know about the site. */
export interface AssetOptions {
  /** Copy plotly and the plot script (some page has figures). */
  plotly: boolean;
}

/** Writes the assets into `outDir/assets/`. */
export function writeAssets(outDir: string, options: AssetOptions): void {
  const assetDir = path.join(outDir, "assets");
  mkdirSync(path.join(assetDir, "katex"), { recursive: true });
  writeFileSync(path.join(outDir, ASSETS.siteCss), SITE_CSS);

  const katexDist = path.dirname(require.resolve("katex")); // …/katex/dist/katex.js
  copyFileSync(path.join(katexDist, "katex.min.css"), path.join(outDir, ASSETS.katexCss));
  cpSync(path.join(katexDist, "fonts"), path.join(assetDir, "katex", "fonts"), { recursive: true });

  if (options.plotly) {
    writeFileSync(path.join(outDir, ASSETS.plotsJs), PLOTS_JS);
    copyFileSync(require.resolve("plotly.js-dist/plotly.js"), path.join(outDir, ASSETS.plotly));
  }
}
