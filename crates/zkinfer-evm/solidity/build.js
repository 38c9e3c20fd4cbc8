#!/usr/bin/env node
// Compiles src/**/*.sol with the pinned solc-js into ../artifacts/<Contract>.json (ABI + bytecode).
// `node build.js --check` compiles and fails if the committed artifacts differ (CI runs it).
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const SRC = path.join(__dirname, "src");
const OUT = path.join(__dirname, "..", "artifacts");
// The contracts whose artifacts the Rust crate loads.
const CONTRACTS = [
  "GoldilocksHarness",
  "TranscriptHarness",
  "SumcheckHarness",
  "MerkleHarness",
  "WhirHarness",
  "HidingHarness",
  "MaskedHarness",
  "MaskedJointHarness",
  "LogUpHarness",
  "PoolHarness",
  "ReductionHarness",
  "PlainOpening",
];

// Deployed libraries (external functions, linked by address): src/<Name>.sol.
const LIBRARIES = ["PlainOpening"];

function links(refs) {
  const out = [];
  for (const file of Object.keys(refs || {}).sort()) {
    for (const lib of Object.keys(refs[file]).sort()) {
      out.push({ library: lib, offsets: refs[file][lib].map((r) => r.start) });
    }
  }
  return out;
}

// solc's link placeholders (`__$…$__`, 40 characters) as zero addresses: the artifact stays hex, and the
// deployer writes each library's address at the offsets `links` lists.
function unlinked(object) {
  return object.replace(/__\$[0-9a-f]{34}\$__/g, "0".repeat(40));
}

function sources(dir, prefix) {
  const out = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (fs.statSync(full).isDirectory()) Object.assign(out, sources(full, rel));
    else if (name.endsWith(".sol")) out[rel] = { content: fs.readFileSync(full, "utf8") };
  }
  return out;
}

// Optimizer runs: 100,000 (runtime gas over code size, see ../README.md) except where a contract would then
// exceed EIP-170's 24,576 bytes. (MaskedHarness was built at 200 while it inlined the whole plain WHIR
// verifier; the masked verifiers now call the deployed PlainOpening library.) ReductionHarness inlines the
// pool, the masked sumcheck and the reduction: 24,704 bytes at 100,000 runs.
const RUNS = { ReductionHarness: 2000 };
const DEFAULT_RUNS = 100000;

function compile(runs, names) {
  const selection = {};
  const fields = ["abi", "evm.bytecode.object", "evm.bytecode.linkReferences", "evm.deployedBytecode.object"];
  for (const name of names) selection[LIBRARIES.includes(name) ? `${name}.sol` : `test/${name}.sol`] = { [name]: fields };
  const input = {
    language: "Solidity",
    sources: sources(SRC, ""),
    settings: {
      optimizer: { enabled: true, runs },
      viaIR: true,
      evmVersion: "cancun",
      metadata: { appendCBOR: false },
      outputSelection: selection,
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) console.error(e.formattedMessage);
  if (errors.length) process.exit(1);
  return { input, output };
}

const groups = {};
for (const name of CONTRACTS) {
  const runs = RUNS[name] || DEFAULT_RUNS;
  (groups[runs] = groups[runs] || []).push(name);
}
const builds = Object.entries(groups).map(([runs, names]) => compile(Number(runs), names));

const check = process.argv.includes("--check");
let stale = 0;
for (const { input, output } of builds) for (const [file, contracts] of Object.entries(output.contracts || {})) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!CONTRACTS.includes(name)) continue;
    const artifact = {
      contract: name,
      source: `solidity/src/${file}`,
      compiler: `solc-js ${solc.version()}`,
      settings: { optimizer: input.settings.optimizer, viaIR: input.settings.viaIR },
      evmVersion: input.settings.evmVersion,
      abi: c.abi,
      bytecode: "0x" + unlinked(c.evm.bytecode.object),
      // Deployed libraries this contract calls: their address goes at each byte offset of `bytecode`.
      links: links(c.evm.bytecode.linkReferences),
      deployedBytecode: "0x" + unlinked(c.evm.deployedBytecode.object),
    };
    const text = JSON.stringify(artifact, null, 1) + "\n";
    const dest = path.join(OUT, `${name}.json`);
    if (check) {
      const old = fs.existsSync(dest) ? fs.readFileSync(dest, "utf8") : "";
      if (old !== text) {
        console.error(`stale: ${path.relative(process.cwd(), dest)} differs from a fresh compile of ${file}`);
        stale++;
      }
    } else {
      fs.writeFileSync(dest, text);
      console.log(`${name}: ${c.evm.deployedBytecode.object.length / 2} bytes deployed`);
    }
  }
}
if (check && stale) {
  console.error(`${stale} artifact(s) stale: run \`npm run build\` in crates/zkinfer-evm/solidity and commit artifacts/`);
  process.exit(1);
}
if (check) console.log("artifacts are current");
