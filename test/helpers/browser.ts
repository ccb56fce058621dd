/**
 * A real browser for tests: Debian's chromium driven by playwright-core (never
 * `playwright install`; no browser download), and the checks that a page of the course
 * site renders offline: every plotly figure drawn, KaTeX math laid out in its fonts, no
 * request leaving `file:`, no console error.
 *
 * Usage:
 *   const skip = chromiumMissing();            // a reason string, or undefined
 *   test("site page", { skip }, async () => {
 *     const c = await checkSitePage(path.join(outDir, "01-rnn.html"));
 *     assert.deepEqual(c.externalRequests, []);
 *   });
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";

/** The chromium binary; `SEQLAB_CHROMIUM` overrides. */
export const CHROMIUM = process.env.SEQLAB_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a headless, sandbox-free chromium that phones nowhere. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A reason to skip browser tests (for `test(..., { skip })`), or undefined when chromium is there. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no chromium at ${CHROMIUM} (apt-get install chromium, or set SEQLAB_CHROMIUM)`;
}

/** Launches chromium with {@link CHROMIUM_ARGS}. The caller closes it. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** What {@link checkSitePage} found on a page. */
export interface SitePageCheck {
  /** Page title. */
  title: string;
  /** Plot containers (`.plotly-plot`). */
  plots: number;
  /** Plot containers with plotly's `.main-svg` and at least one trace (`.trace` or heatmap `.hm`). */
  plotsDrawn: number;
  /** KaTeX formulas (`.katex`). */
  katex: number;
  /** Formulas whose `.katex-html` is laid out with a non-zero size. */
  katexVisible: number;
  /** A KaTeX font face (KaTeX_Main or KaTeX_Math) has status "loaded". */
  katexFontLoaded: boolean;
  /** Requests to anything but `file:`/`data:`/`blob:`/`about:` URLs (all blocked). */
  externalRequests: string[];
  /** `file:` requests that failed (e.g. a missing asset). */
  failedRequests: string[];
  /** Console errors and uncaught page errors. */
  consoleErrors: string[];
}

/** Options of {@link checkSitePage}. */
export interface CheckOptions {
  /** Save a full-page PNG screenshot here. Default: none. */
  screenshot?: string;
  /** Viewport width in pixels. Default: 1200. */
  width?: number;
  /** How long to wait for the figures to be drawn, in ms. Default: 15000. */
  timeoutMs?: number;
  /** A browser to reuse (not closed). Default: a new chromium, closed at the end. */
  browser?: Browser;
}

const LOCAL = /^(file|data|blob|about):/;

/** Opens `htmlFile` from disk with the network blocked and reports what rendered. */
export async function checkSitePage(htmlFile: string, options: CheckOptions = {}): Promise<SitePageCheck> {
  const browser = options.browser ?? (await launchChromium());
  try {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1200, height: 900 } });
    const external = new Set<string>();
    const failedRequests: string[] = [];
    const consoleErrors: string[] = [];
    await context.route(
      (url) => !LOCAL.test(url.href),
      (route) => {
        external.add(route.request().url());
        return route.abort("blockedbyclient");
      },
    );
    const page = await context.newPage();
    page.on("request", (r) => {
      if (!LOCAL.test(r.url())) external.add(r.url());
    });
    page.on("requestfailed", (r) => {
      if (r.url().startsWith("file:")) failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`);
    });
    page.on("websocket", (ws) => external.add(ws.url()));
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`${e.name}: ${e.message}`));

    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load" });
    const timeout = options.timeoutMs ?? 15000;
    await page
      .waitForFunction(
        () => [...document.querySelectorAll(".plotly-plot")].every((d) => d.querySelector(".main-svg") || d.textContent),
        undefined,
        { timeout },
      )
      .catch(() => undefined); // counted below
    await page.evaluate(() => document.fonts.ready.then(() => undefined));

    const found = await page.evaluate(() => {
      const plotDivs = [...document.querySelectorAll(".plotly-plot")];
      const katexHtml = [...document.querySelectorAll(".katex .katex-html")];
      const faces: FontFace[] = [];
      document.fonts.forEach((f) => faces.push(f));
      return {
        title: document.title,
        plots: plotDivs.length,
        plotsDrawn: plotDivs.filter((d) => d.querySelector(".main-svg") && d.querySelector(".trace, .hm")).length,
        katex: document.querySelectorAll(".katex").length,
        katexVisible: katexHtml.filter((e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && r.height > 0;
        }).length,
        katexFontLoaded: faces.some((f) => /^"?KaTeX_(Main|Math)"?$/.test(f.family) && f.status === "loaded"),
      };
    });
    if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true });
    await context.close();
    return { ...found, externalRequests: [...external], failedRequests, consoleErrors };
  } finally {
    if (!options.browser) await browser.close();
  }
}
