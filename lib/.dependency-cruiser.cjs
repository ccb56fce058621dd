/**
 * dependency-cruiser rules for lib/src: no import cycles, a tfjs-free engine, and imports
 * that run one way, from a higher layer to a lower one (never the reverse).
 * Checked by test/layers.test.ts (part of `npm test`); by hand from the repository root:
 *
 *     npx depcruise lib/src --config lib/.dependency-cruiser.cjs
 *
 * Paths are matched as `lib/src/...` (run from the root) or `src/...` (run from lib/).
 */
const SRC = "^(lib/)?src/";

/**
 * The layers, lowest first. A module may import its own layer and the layers below it,
 * never one above. Folders on one line form one layer.
 */
const LAYERS = [
  // the base: error classes and the seeded generator (import nothing else in lib/src)
  { name: "base", paths: ["errors\\.ts$", "random\\.ts$"] },
  // the compute kernels on Float32Arrays (js / wasm / native), no TensorFlow.js
  { name: "engine", paths: ["engine/"] },
  // the tfjs backends: the `seqlab` backend, seqlab's extra kernels, initBackend
  { name: "backend", paths: ["backend/"] },
  // tfjs ops: the fused kernels and their gradients, sequence ops, losses, CRF, shared types
  { name: "ops", paths: ["ops/"] },
  // optimisers and gradient clipping (SGD, Adam on the engine's kernels)
  { name: "optim", paths: ["optim/"] },
  // recurrent cells, layers, cellSequence, initialisers, the float64 vanilla RNN
  { name: "rnn", paths: ["rnn/"] },
  // gradient checks of the cells and of BPTT
  { name: "gradcheck", paths: ["gradcheck/"] },
  // tokenizers, vocabularies, synthetic tasks, batches, and the corpora they read
  { name: "data", paths: ["data/", "datasets/"] },
  // NER data: BRAT and CoNLL readers/writers, tokens with offsets, tag schemes, batches, conlleval scoring
  { name: "ner", paths: ["ner/"] },
  // the four architectures (many-to-one, many-to-many, one-to-many, encoder-decoder)
  { name: "models", paths: ["models/"] },
  // the generic training loop
  { name: "train", paths: ["train/"] },
  // language models (n-gram, RNN, char, hybrid), generation (decoders, beam search, scheduled sampling) and the BiLSTM-CRF tagger
  { name: "lm-tagging", paths: ["lm/", "generation/", "tagging/"] },
  // notebook support (setup, profile, display), plots and tables
  { name: "notebook", paths: ["notebook/", "plot/", "table/"] },
  // the lecture's experiments (sweeps that train and tabulate)
  { name: "experiments", paths: ["experiments/"] },
  // the command line (`seqlab kn | ppl | train-lm`); the course tooling is its own package, course/
  { name: "tools", paths: ["cli/"] },
  // the entry points: the public surface and seqlab/internal (seqlab/experiments is experiments/index.ts)
  { name: "index", paths: ["index\\.ts$", "internal\\.ts$"] },
];

const pathOf = (layers) => `${SRC}(${layers.flatMap((l) => l.paths).join("|")})`;

/** One rule per layer: nothing in it imports a layer above it. */
const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} (${layer.paths.join(", ")}) must not import a higher layer: ${LAYERS.slice(i + 1).map((l) => l.name).join(", ")}`,
  severity: "error",
  from: { path: pathOf([layer]) },
  to: { path: pathOf(LAYERS.slice(i + 1)) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycles, type-only imports included (tsPreCompilationDeps)",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "engine-no-tensorflow",
      comment: "engine/ is Float32Array in, Float32Array out: no @tensorflow package, not even its types",
      severity: "error",
      from: { path: `${SRC}engine/` },
      to: { path: "(^|/)@tensorflow/" },
    },
    {
      name: "engine-leaf",
      comment: "engine/ imports nothing in lib/src outside engine/ but errors.ts",
      severity: "error",
      from: { path: `${SRC}engine/` },
      to: { path: SRC, pathNot: `${SRC}(engine/|errors\\.ts$)` },
    },
    {
      name: "every-module-in-a-layer",
      comment: "a new folder of lib/src must be given a place in LAYERS",
      severity: "error",
      from: { path: SRC, pathNot: pathOf(LAYERS) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    // count `import type` as a dependency: a type cycle is still a cycle
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
  },
};
