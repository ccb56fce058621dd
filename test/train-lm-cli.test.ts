/**
 * `seqlab train-lm` and `seqlab ppl --model` (lib/src/cli/train_lm.ts, ppl.ts, main.ts) as a
 * child process, on tiny text files written here:
 * - D1/D11: every flag and argument is checked before any work: one line "seqlab: …" or
 *   commander's "error: option '--flag …'", a non-zero exit, no model built, nothing written;
 * - D2: a folder holding a model is not replaced without --force;
 * - D3: --resume takes the checkpoint's values for flags not given, refuses conflicting ones,
 *   says "nothing to do" for a finished run, and ends where an uninterrupted run ends;
 * - D4/D5: ppl --model on damaged folders: one line naming the file;
 * - D10: SIGINT / SIGTERM stop cleanly with a message and exit 130 / 143;
 * - divergence: a NaN step stops with one line naming the last checkpoint;
 * - the kill test: SIGKILL at random points (many inside a save, SEQLAB_CHECKPOINT_TEST_DELAY_MS)
 *   always leaves the last complete epoch, and --resume finishes with the same weights as an
 *   uninterrupted run.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createProgram } from "../lib/src/cli/program.js";
import { hasCheckpoint, inspectLm } from "../lib/src/lm/checkpoint.js";

const root = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-train-lm-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A text of `lines` sentences of 4–11 words over 30 types (seeded, so every run writes the same file). */
function writeText(name: string, lines: number, seed = 1): string {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const text = Array.from({ length: lines }, () => Array.from({ length: 4 + Math.floor(rand() * 8) }, () => `w${Math.floor(rand() * 30)}`).join(" ")).join("\n");
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text + "\n");
  return file;
}
const small = writeText("small.txt", 60);
const medium = writeText("medium.txt", 300, 2);
const other = writeText("other.txt", 60, 3);
/** A tiny model and schedule: an epoch of `small.txt` takes a few ms. */
const TINY = ["--hidden", "8", "--emb", "8", "--layers", "1", "--batch", "4", "--bptt", "5", "--optimizer", "adam", "--lr", "0.01", "--no-progress"];
const CLI = ["--import", "tsx", "lib/src/cli/main.ts"];

/** Runs `seqlab ARGS` from the repository root through tsx. */
function seqlab(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `seqlab ARGS`, sends `signal` once its stdout (or, with `onStderr`, its stderr)
 * matches `when`, and returns the exit code and output.
 */
function interrupt(args: string[], when: RegExp, signal: NodeJS.Signals, options: { env?: NodeJS.ProcessEnv; onStderr?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: root, env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    let sent = false;
    const check = () => {
      if (!sent && when.test(options.onStderr === true ? stderr : stdout)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on("data", (d) => {
      stdout += d;
      check();
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      check();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses and runs `seqlab ARGS` in this process (for errors raised before any work): the error, or null. */
async function inProcess(args: string[]): Promise<Error | null> {
  const program = createProgram();
  for (const c of [program, ...program.commands]) c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    await program.parseAsync(args, { from: "user" });
    return null;
  } catch (e) {
    return e as Error;
  }
}

const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
/** The checkpoint's files and their sha256 (to show that a refused run changed nothing). */
const snapshot = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, sha(path.join(dir, f))]));
const epochsIn = (dir: string) => (hasCheckpoint(dir) ? inspectLm(dir, { warn: () => {} }).history.length : 0);

describe("train-lm checks every argument before any work (D1, D11)", () => {
  test("D1: --out naming an existing file, or a path through one: one line, exit 1, no epoch trained, nothing written", () => {
    const file = path.join(tmp, "existing.file");
    fs.writeFileSync(file, "x");
    const r = seqlab(["train-lm", "--train", small, "--out", file, ...TINY]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `seqlab: --out ${file}: expected a folder (or a path where one can be created), got an existing file\n`);
    assert.equal(r.stdout, "", "no work started");
    const under = seqlab(["train-lm", "--train", small, "--out", path.join(file, "sub"), ...TINY]);
    assert.equal(under.status, 1);
    assert.equal(under.stderr, `seqlab: --out ${path.join(file, "sub")}: expected a path where a folder can be created, got ${file}, an existing file, on the way\n`);
    assert.equal(fs.readFileSync(file, "utf8"), "x");
  });

  test("D1: an unreadable --valid, an empty --train, a vocabulary without words: one line naming the flag, no folder left behind", () => {
    const out = path.join(tmp, "d1-out");
    const missing = seqlab(["train-lm", "--train", small, "--valid", path.join(tmp, "nope.txt"), "--out", out, ...TINY]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^seqlab: --valid: expected a readable text file, got ENOENT: no such file or directory, open '.*nope\.txt'\n$/);
    assert.equal(missing.stdout, "");
    const tooRare = seqlab(["train-lm", "--train", small, "--min-count", "1000000", "--out", out, ...TINY]);
    assert.equal(tooRare.status, 1);
    assert.match(tooRare.stderr, /^seqlab: --min-count 1000000: expected a vocabulary with at least one word besides the 4 special tokens, got none \(the most frequent word of .*small\.txt occurs \d+ times\)\n$/);
    assert.equal(tooRare.stdout, "");
    assert.ok(!fs.existsSync(out), "a run that failed its checks leaves no folder");
  });

  test("D11: out-of-range flags are rejected when parsed, naming the flag, before a model is built (exit 2, no internal class names)", async () => {
    const out = path.join(tmp, "d11-out");
    const cases: [string[], string][] = [
      [["--word-dropout", "1.5"], "error: option '--word-dropout <p>' argument '1.5' is invalid. expected a probability in [0, 1), got '1.5'"],
      [["--max-vocab", "2"], "error: option '--max-vocab <n>' argument '2' is invalid. expected an integer ≥ 5 (the 4 special tokens and a word), got '2'"],
      [["--lr", "0"], "error: option '--lr <x>' argument '0' is invalid. expected a number > 0, got '0'"],
      [["--clip", "0"], "error: option '--clip <x>' argument '0' is invalid. expected a number > 0, got '0'"],
      [["--decay", "2"], "error: option '--decay <x>' argument '2' is invalid. expected a number in (0, 1], got '2'"],
      [["--hidden", "1.5"], "error: option '--hidden <n>' argument '1.5' is invalid. expected an integer ≥ 1, got '1.5'"],
      [["--epochs", "0"], "error: option '--epochs <n>' argument '0' is invalid. expected an integer ≥ 1, got '0'"],
      [["--word-dropout", "-0.1"], "error: option '--word-dropout <p>' argument '-0.1' is invalid. expected a probability in [0, 1), got '-0.1'"],
    ];
    for (const [flags, message] of cases) {
      const e = await inProcess(["train-lm", "--train", small, "--out", out, ...TINY, ...flags]);
      assert.equal(e?.message, message, flags.join(" "));
      assert.doesNotMatch(message, /WordDropout|Vocab|RnnLm|trainLm/);
    }
    // the same through the CLI: exit 2, commander's one line, no model built
    const r = seqlab(["train-lm", "--train", small, "--out", out, ...TINY, ...cases[0][0]]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, cases[0][1] + "\n");
    assert.equal(r.stdout, "", "no model was built");
    const both = seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--resume", "--force"]);
    assert.equal(both.status, 1);
    assert.equal(both.stderr, "seqlab: --resume, --force: expected at most one (--resume continues the model in --out, --force replaces it), got both\n");
    assert.ok(!fs.existsSync(out));
  });
});

describe("train-lm --engine", () => {
  test("--engine wasm and --engine tfjs train on that engine (the engine is chosen with the backend, not after it)", () => {
    for (const engine of ["wasm", "tfjs"]) {
      const out = path.join(tmp, `engine-${engine}`);
      const r = seqlab(["train-lm", "--train", small, "--out", out, "--epochs", "1", "--engine", engine, ...TINY], { SEQLAB_ENGINE: "", SEQLAB_BACKEND: "" });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`engine ${engine}, seed`));
      assert.equal(inspectLm(out).history.length, 1);
    }
  });
});

describe("train-lm never replaces or mixes up a trained model (D2, D3)", () => {
  test("D2: a folder holding a model is refused without --resume (nothing changed); --force replaces it", () => {
    const out = path.join(tmp, "r2");
    const first = seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--epochs", "2"]);
    assert.equal(first.status, 0, first.stderr);
    const before = snapshot(out);
    const again = seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--epochs", "2"]);
    assert.equal(again.status, 1);
    assert.equal(again.stderr, `seqlab: ${out} holds a model (2 epochs, 1×8 LSTM); pass --resume to continue or --force to replace it\n`);
    assert.equal(again.stdout, "", "refused before any work");
    assert.deepEqual(snapshot(out), before);
    const forced = seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--epochs", "1", "--hidden", "6", "--force"]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`^--force: ${out} holds a model \\(2 epochs, 1×8 LSTM\\); it is replaced when epoch 1 of this run is saved$`, "m"));
    const c = inspectLm(out);
    assert.equal(c.history.length, 1);
    assert.equal(c.config.hiddenSize, 6);
  });

  test("D3: --resume takes the checkpoint's flags (the resumed run equals an uninterrupted one), refuses conflicting architecture or data, and says when there is nothing to do", async () => {
    const whole = path.join(tmp, "d3-whole");
    const part = path.join(tmp, "d3-part");
    const schedule = ["--lr", "0.02", "--batch", "3", "--bptt", "4", "--seed", "9", "--decay", "0.5", "--decay-after", "1"];
    const w = seqlab(["train-lm", "--train", small, "--out", whole, ...TINY, ...schedule, "--epochs", "3"]);
    assert.equal(w.status, 0, w.stderr);
    // the same run, stopped by SIGINT while epoch 1 is saved (so it stops right after epoch 1)
    const p1 = await interrupt(["train-lm", "--train", small, "--out", part, ...TINY, ...schedule, "--epochs", "3"], /checkpoint: begin 1\n/, "SIGINT", {
      env: { SEQLAB_CHECKPOINT_TEST_DELAY_MS: "50" }, onStderr: true,
    });
    assert.equal(p1.code, 130, p1.stderr);
    const done = epochsIn(part);
    assert.equal(done, 1);
    // only --train, --out and --resume: architecture, schedule and epochs come from the checkpoint
    const p2 = seqlab(["train-lm", "--train", small, "--out", part, "--resume", "--no-progress"]);
    assert.equal(p2.status, 0, p2.stderr);
    assert.match(p2.stdout, new RegExp(`^resuming ${part} after epoch ${done}$`, "m"));
    assert.match(p2.stdout, /^train-lm: 1 × 8 lstm, .* seed 9$/m);
    assert.match(p2.stdout, /^epoch 2: lr 0\.01, /m);
    assert.match(p2.stdout, /^epoch 3: lr 0\.005, /m);
    assert.equal(sha(path.join(part, "weights.bin")), sha(path.join(whole, "weights.bin")), "the resumed run ends with the uninterrupted run's weights");
    const finished = seqlab(["train-lm", "--train", small, "--out", part, "--resume"]);
    assert.equal(finished.status, 0, finished.stderr);
    assert.equal(finished.stdout, "nothing to do: 3/3 epochs done\n");

    const before = snapshot(part);
    const conflicts: [string[], string][] = [
      [["--hidden", "64"], `seqlab: --hidden 64: conflicts with the checkpoint in ${part}, expected its hiddenSize 8, got 64; drop the flag to continue that model, or pass --force without --resume to replace it`],
      [["--cell", "gru"], `seqlab: --cell gru: conflicts with the checkpoint in ${part}, expected its cell lstm, got gru; drop the flag to continue that model, or pass --force without --resume to replace it`],
      [["--layers", "2"], `seqlab: --layers 2: conflicts with the checkpoint in ${part}, expected its layers 1, got 2; drop the flag to continue that model, or pass --force without --resume to replace it`],
      [["--max-vocab", "10"], `seqlab: --max-vocab 10: conflicts with the checkpoint in ${part}, expected its default (none), got 10; drop the flag to continue that model, or pass --force without --resume to replace it`],
    ];
    for (const [flags, message] of conflicts) {
      const e = await inProcess(["train-lm", "--train", small, "--out", part, "--resume", "--epochs", "4", ...flags]);
      assert.equal(e?.name, "ArgumentError");
      assert.equal(`seqlab: ${e?.message}`, message);
    }
    const data = seqlab(["train-lm", "--train", other, "--out", part, "--resume", "--epochs", "4"]);
    assert.equal(data.status, 1);
    assert.match(data.stderr, new RegExp(`^seqlab: --train ${other}: conflicts with the checkpoint in ${part}, expected its training file ${small} \\(\\d+ bytes, sha256 [0-9a-f]{12}…\\), got \\d+ bytes, sha256 [0-9a-f]{12}…; resume with that file, or pass --force without --resume to replace the model\\n$`));
    assert.deepEqual(snapshot(part), before, "refused runs change nothing");
    const help = seqlab(["train-lm", "--help"]);
    assert.match(help.stdout, /With --resume, a flag not given takes the checkpoint's value/);
  });
});

describe("ppl --model on damaged checkpoints (D4, D5)", () => {
  test("a truncated weights.bin, NaN weights, a bad model.json: one line naming the file, exit 1", () => {
    const out = path.join(tmp, "d4");
    assert.equal(seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--epochs", "1"]).status, 0);
    const bin = path.join(out, "weights.bin");
    const size = fs.statSync(bin).size;
    fs.truncateSync(bin, 1001);
    const r = seqlab(["ppl", "--model", out, "--text", small]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `seqlab: ${bin}: expected ${size} bytes (${out}/manifest.json), got 1001\n`);
    assert.equal(r.stdout, "");
    fs.writeFileSync(path.join(out, "model.json"), "{");
    const j = seqlab(["ppl", "--model", out, "--text", small]);
    assert.equal(j.status, 1);
    assert.match(j.stderr, new RegExp(`^seqlab: ${out}/model.json: expected JSON, got a parse error: [^\\n]+\\n$`));
  });
});

describe("train-lm stops cleanly (D10, divergence)", () => {
  test("D10: SIGINT after an epoch: 'interrupted after epoch N; checkpoint in DIR; rerun with --resume', exit 130; the folder holds epoch N", async () => {
    const out = path.join(tmp, "int");
    const r = await interrupt(["train-lm", "--train", medium, "--out", out, ...TINY, "--epochs", "500"], /^epoch 1: /m, "SIGINT");
    assert.equal(r.code, 130, r.stderr);
    const m = /^seqlab: interrupted after epoch (\d+); checkpoint in (.*); rerun with --resume\n$/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m![2], out);
    assert.equal(epochsIn(out), Number(m![1]));
    const saved = [...r.stdout.matchAll(/^epoch (\d+): .* saved /gm)].map((x) => Number(x[1]));
    assert.equal(saved[saved.length - 1], Number(m![1]), "the message names the last epoch saved");
    assert.deepEqual(fs.readdirSync(out).sort(), ["manifest.json", "model.json", "vocab.json", "weights.bin"], "no temporary folder, no lock left");
  });

  test("D10: SIGTERM during epoch 1: 'interrupted during epoch 1; no checkpoint yet', exit 143; SIGINT during a save waits for it to finish", async () => {
    const out = path.join(tmp, "term");
    // a model large enough that epoch 1 lasts well over the time the signal takes to arrive
    const big = ["--hidden", "256", "--emb", "64", "--layers", "1", "--batch", "4", "--bptt", "20", "--no-progress"];
    const r = await interrupt(["train-lm", "--train", medium, "--out", out, ...big, "--epochs", "5"], /^train-lm: /m, "SIGTERM");
    assert.equal(r.code, 143, r.stderr);
    assert.equal(r.stderr, "seqlab: interrupted during epoch 1; no checkpoint yet\n");
    assert.ok(!hasCheckpoint(out));
    // SIGINT while epoch 1 is being saved (the test hook makes the save last ~0.5 s and announces it)
    const during = path.join(tmp, "int-save");
    const s = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...CLI, "train-lm", "--train", small, "--out", during, ...TINY, "--epochs", "50"], {
        cwd: root, env: { ...process.env, SEQLAB_CHECKPOINT_TEST_DELAY_MS: "60" },
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
        if (/checkpoint: wrote weights\.bin 1\n/.test(stderr) && !child.killed) child.kill("SIGINT");
      });
      child.on("close", (code) => resolve({ code, stderr }));
    });
    assert.equal(s.code, 130, s.stderr);
    assert.match(s.stderr, /checkpoint: done 1\n/, "the save finished");
    assert.match(s.stderr, new RegExp(`seqlab: interrupted after epoch 1; checkpoint in ${during}; rerun with --resume\\n$`));
    assert.equal(epochsIn(during), 1);
  });

  test("a diverging run (lr 1e38) stops at the NaN step with one line saying where the last good checkpoint is; the checkpoint is kept", () => {
    const out = path.join(tmp, "nan");
    const fresh = seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--optimizer", "sgd", "--lr", "1e38"]);
    assert.equal(fresh.status, 1);
    assert.match(fresh.stderr, /^seqlab: trainLm: expected (a )?finite .* at epoch 1, step \d+; the step was not applied \(lower the learning rate or clip harder\); nothing was saved from it, no checkpoint yet\n$/);
    assert.ok(!hasCheckpoint(out));
    assert.equal(seqlab(["train-lm", "--train", small, "--out", out, ...TINY, "--epochs", "2"]).status, 0);
    const before = snapshot(out);
    const resumed = seqlab(["train-lm", "--train", small, "--out", out, "--resume", "--epochs", "5", "--optimizer", "sgd", "--lr", "1e38"]);
    assert.equal(resumed.status, 1);
    assert.match(resumed.stdout, /^--lr 1e\+38 replaces the checkpoint's 0\.01$/m);
    assert.match(resumed.stderr, new RegExp(`^seqlab: trainLm: expected (a )?finite .* (at|after) epoch 3, step \\d+.*; nothing was saved from it, the last checkpoint \\(epoch 2\\) is in ${out}\\n$`));
    assert.deepEqual(snapshot(out), before);
  });
});

describe("kill test: SIGKILL at random points never loses the last complete epoch", () => {
  test("after every kill the folder loads as the last epoch reported (or the one after it); --resume ends with the uninterrupted run's weights", async () => {
    const EPOCHS = 8;
    const args = (out: string) => ["train-lm", "--train", medium, "--out", out, "--hidden", "12", "--emb", "8", "--layers", "1", "--batch", "4", "--bptt", "8",
      "--optimizer", "adam", "--lr", "0.01", "--seed", "3", "--epochs", String(EPOCHS), "--resume", "--no-progress"];
    const reference = path.join(tmp, "kill-reference");
    const ref = seqlab(args(reference));
    assert.equal(ref.status, 0, ref.stderr);

    // a deterministic "random" schedule (seeded), so that a failure can be replayed
    let s = Number(process.env.SEQLAB_KILL_SEED ?? 11);
    const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const figures = { kills: 0, insideSave: 0, loadsOk: 0, runs: 0, rounds: 0 };
    const t0 = Date.now();
    // rounds of: start, SIGKILL at a random time, check the folder, start again with --resume …, until the run is complete
    while (figures.rounds < 2 || (figures.kills < 12 && Date.now() - t0 < 15_000)) {
      const out = path.join(tmp, `kill-${figures.rounds++}`);
      for (let inRound = 0; ; inRound++) {
        // Alternately: SIGKILL at a random time, or right after a random phase of a save (inside it:
        // the hook sleeps after each phase). After 6 kills in a round, let the run finish.
        const PHASES = ["begin", "wrote weights.bin", "wrote vocab.json", "wrote model.json", "wrote manifest.json", "committed",
          "moved weights.bin", "moved vocab.json", "moved model.json", "moved manifest.json", "done"];
        const before = epochsIn(out);
        const plan: { afterMs?: number; phase?: string } | null = inRound >= 6 ? null : inRound % 2 === 0
          ? { afterMs: 200 + rand() * 1400 }
          : { phase: `checkpoint: ${PHASES[Math.floor(rand() * PHASES.length)]} ${before + 1 + Math.floor(rand() * Math.min(2, EPOCHS - before))}\n` };
        figures.runs++;
        const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [...CLI, ...args(out)], { cwd: root, env: { ...process.env, SEQLAB_CHECKPOINT_TEST_DELAY_MS: "12" } });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d) => (stdout += d));
          child.stderr.on("data", (d) => {
            stderr += d;
            if (plan?.phase !== undefined && stderr.includes(plan.phase)) child.kill("SIGKILL");
          });
          const timer = plan?.afterMs !== undefined ? setTimeout(() => child.kill("SIGKILL"), plan.afterMs) : null;
          child.on("close", (code, signal) => {
            if (timer !== null) clearTimeout(timer);
            resolve({ code, signal, stdout, stderr });
          });
        });
        const reported = [...r.stdout.matchAll(/^epoch (\d+): .* saved /gm)].map((x) => Number(x[1]));
        const lastReported = reported.length > 0 ? reported[reported.length - 1] : before;
        if (r.signal === "SIGKILL") {
          figures.kills++;
          const phases = [...r.stderr.matchAll(/^checkpoint: (\S+)/gm)].map((x) => x[1]);
          if (phases.length > 0 && phases[phases.length - 1] !== "done") figures.insideSave++;
          const now = epochsIn(out); // throws (fails the test) if the folder does not load
          assert.ok(now === lastReported || now === lastReported + 1, `kill ${figures.kills}: the folder holds ${now} epochs, the process had reported ${lastReported}`);
          assert.ok(now >= before);
          figures.loadsOk++;
          continue;
        }
        assert.equal(r.code, 0, r.stderr);
        if (epochsIn(out) === EPOCHS) break;
      }
      assert.equal(inspectLm(out).history.length, EPOCHS);
      assert.equal(sha(path.join(out, "weights.bin")), sha(path.join(reference, "weights.bin")), "the resumed, killed run ends with the uninterrupted run's weights");
      assert.deepEqual(fs.readdirSync(out).filter((f) => f.startsWith(".")), [], "no temporary folder left");
    }
    console.log(`kill test: ${figures.kills} SIGKILLs, ${figures.insideSave} inside a save, ${figures.loadsOk} loads OK, ${figures.runs} processes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(figures.kills >= 12 && figures.insideSave >= 3, JSON.stringify(figures));
  });
});
