#!/usr/bin/env node
// The `seqlab` command (npx seqlab --help). A checked-in launcher, so that npm can link the
// bin at install time, before `npm run build` has compiled lib/src/cli to lib/dist/cli.
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("dist")) throw err;
  console.error(`seqlab: the library is not built (${err.message.split("\n")[0]}); run \`npm run build\` in the repository`);
  process.exit(1);
}
void cli.main();
