/**
 * The site's local assets, copied into `outDir/assets/` so pages open from disk with no
 * network:
 * 1. `site.css` (see `style.ts`);
 * 2. `katex/katex.min.css` and `katex/fonts/` from the installed `katex` package;
 * 3. when some page has figures, `plotly.min.js` (from `plotly.js-dist`) and `plots.js`
 *    (see `plot.ts`).
 *
 * plotly.js-dist ships only an unminified bundle (~11 MB). It is minified once with
 * esbuild's transform API (~2 s, to ~5 MB) and cached in
 * `node_modules/.cache/seqlab/`, keyed by the plotly and esbuild versions, so later
 * renders only copy it. Without esbuild (or a writable cache) the bundle is minified into
 * `outDir` directly, or copied as it is.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "fs";
import * as path from "path";
import { PLOTS_JS } from "./plot";
import { SITE_CSS } from "./style";

/** Asset paths, relative to the site's root (where the pages are). */
export const ASSETS = {
  siteCss: "assets/site.css",
  katexCss: "assets/katex/katex.min.css",
  plotly: "assets/plotly.min.js",
  plotsJs: "assets/plots.js",
} as const;

/** What `writeAssets` needs to know about the site. */
export interface AssetOptions {
  /** Copy plotly and the plot script (some page has figures). */
  plotly: boolean;
}

/** Writes the assets into `outDir/assets/`. */
export async function writeAssets(outDir: string, options: AssetOptions): Promise<void> {
  const assetDir = path.join(outDir, "assets");
  mkdirSync(path.join(assetDir, "katex"), { recursive: true });
  writeFileSync(path.join(outDir, ASSETS.siteCss), SITE_CSS);

  const katexDist = path.dirname(require.resolve("katex")); // …/katex/dist/katex.js
  copyFileSync(path.join(katexDist, "katex.min.css"), path.join(outDir, ASSETS.katexCss));
  cpSync(path.join(katexDist, "fonts"), path.join(assetDir, "katex", "fonts"), { recursive: true });

  if (options.plotly) {
    writeFileSync(path.join(outDir, ASSETS.plotsJs), PLOTS_JS);
    await writePlotly(path.join(outDir, ASSETS.plotly));
  }
}

interface Esbuild {
  version: string;
  transform(code: string, options: { minify: boolean; loader: "js" }): Promise<{ code: string }>;
}

/** esbuild, if it can be loaded here (it is a dependency, but its binary is per platform). */
function loadEsbuild(): Esbuild | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("esbuild") as Esbuild;
  } catch {
    return undefined;
  }
}

/** Writes `text` to `file` atomically (concurrent renders never see half a file). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes plotly's bundle, minified when possible, to `dest`. */
async function writePlotly(dest: string): Promise<void> {
  const source = require.resolve("plotly.js-dist/plotly.js");
  const esbuild = loadEsbuild();
  if (!esbuild) {
    copyFileSync(source, dest);
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require("plotly.js-dist/package.json") as { version: string }).version;
  const cacheDir = path.join(path.dirname(path.dirname(source)), ".cache", "seqlab");
  const cached = path.join(cacheDir, `plotly-${version}.esbuild-${esbuild.version}.min.js`);
  if (!existsSync(cached)) {
    const { code } = await esbuild.transform(readFileSync(source, "utf8"), { minify: true, loader: "js" });
    try {
      mkdirSync(cacheDir, { recursive: true });
      writeAtomic(cached, code);
    } catch {
      writeAtomic(dest, code); // no writable cache: this render only
      return;
    }
  }
  copyFileSync(cached, dest);
}
