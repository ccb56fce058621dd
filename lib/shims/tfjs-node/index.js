// danfojs-node requires "@tensorflow/tfjs-node"; the root package.json's `overrides`
// point that name here, so danfojs shares the one @tensorflow/tfjs the library uses.
module.exports = require("@tensorflow/tfjs");
