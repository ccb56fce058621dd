/**
 * Plots inside Jupyter itself: a real Jupyter Notebook server (Debian's jupyter-notebook)
 * with the project's kernelspec, a real Chromium, and a person's clicks — open 00-setup,
 * run all cells, and find the plot drawn by the bundle the Jupyter server serves from
 * node_modules (no CDN: every request must stay on loopback).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as net from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { chromiumMissing, launchChromium } from "./helpers/browser.js";

const root = path.resolve(import.meta.dirname, "..");
const PYTHON = "/usr/bin/python3";
const hasNotebookServer = fs.existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import notebook.notebookapp"]).status === 0;
const kernelspec = path.join(root, "build", "jupyter", "kernels", "seqlab", "kernel.json");
const skip = chromiumMissing()
  ?? (!hasNotebookServer
    ? "Jupyter Notebook not installed for /usr/bin/python3 (apt-get install jupyter-notebook)"
    : !fs.existsSync(kernelspec)
      ? `no kernelspec at ${kernelspec} (npm install writes it)`
      : false);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitForHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`Jupyter did not answer at ${url} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("00-setup run in Jupyter Notebook draws its plot from the local plotly bundle", { skip, timeout: 240_000 }, async () => {
  const work = path.join(root, "build", "test-jupyter");
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.copyFileSync(path.join(root, "notebooks", "00-setup.ipynb"), path.join(work, "00-setup.ipynb"));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-jupyter-"));
  const port = await freePort();
  const server = spawn(
    PYTHON,
    ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--notebook-dir=${root}`, "--NotebookApp.token=", "--NotebookApp.password=", "--allow-root"],
    {
      env: {
        ...process.env,
        JUPYTER_PATH: path.join(root, "build", "jupyter"),
        JUPYTER_CONFIG_DIR: path.join(home, "config"),
        JUPYTER_DATA_DIR: path.join(home, "data"),
        JUPYTER_RUNTIME_DIR: path.join(home, "runtime"),
        SEQLAB_PROFILE: "ci",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let serverLog = "";
  server.stdout!.on("data", (d) => (serverLog += d));
  server.stderr!.on("data", (d) => (serverLog += d));
  const browser = await launchChromium();
  try {
    const base = `http://127.0.0.1:${port}/`;
    await waitForHttp(base + "api/status", 60_000);
    const page = await browser.newPage();
    const offsite: string[] = [];
    page.on("request", (req) => {
      const u = new URL(req.url());
      if (!["127.0.0.1", "localhost"].includes(u.hostname) && !["data:", "blob:", "about:"].includes(u.protocol)) offsite.push(req.url());
    });
    await page.goto(base + "notebooks/build/test-jupyter/00-setup.ipynb");
    // Wait for the kernel (our tslab kernelspec) to be ready, then Cell > Run All.
    await page.waitForFunction(
      () => {
        const J = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } }).Jupyter;
        return J?.notebook?.kernel?.is_connected() === true;
      },
      undefined,
      { timeout: 90_000 },
    );
    const kernelName = await page.evaluate(() => (window as any).Jupyter.notebook.kernel.name);
    assert.equal(kernelName, "seqlab");
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    // Done when every code cell has a number in its prompt and the kernel is idle.
    await page.waitForFunction(
      () => {
        const J = (window as any).Jupyter;
        const cells = J.notebook.get_cells().filter((c: any) => c.cell_type === "code");
        return J.notebook.kernel_busy === false && cells.every((c: any) => typeof c.input_prompt_number === "number");
      },
      undefined,
      { timeout: 150_000, polling: 500 },
    );
    const errors = await page.locator(".output_error").allTextContents();
    assert.deepEqual(errors, [], "no cell may fail");
    await page.waitForSelector(".seqlab-plot .main-svg", { timeout: 60_000 });
    const traces = await page.locator(".seqlab-plot .scatterlayer .trace").count();
    assert.equal(traces, 2, "tanh and its derivative are drawn as two lines");
    const loadedFrom = await page.evaluate(() =>
      Array.from(document.scripts)
        .map((s) => s.src)
        .filter((s) => s.includes("plotly")),
    );
    assert.ok(loadedFrom.some((s) => s.startsWith(base + "files/node_modules/plotly.js-dist/plotly.js")), loadedFrom.join(", "));
    assert.deepEqual(offsite, [], "no request may leave loopback");
    await page.screenshot({ path: path.join(work, "jupyter-notebook.png"), fullPage: true });
  } catch (e) {
    (e as Error).message += `\n--- jupyter log ---\n${serverLog.slice(-3000)}`;
    throw e;
  } finally {
    await browser.close();
    try {
      process.kill(-server.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    await new Promise((r) => setTimeout(r, 1000));
    try {
      process.kill(-server.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
    fs.rmSync(home, { recursive: true, force: true });
  }
});
