#!/usr/bin/env bash
# zkinfer-evm's CI step (called from .ci/run): install the pinned Solidity compiler (solc-js, from
# solidity/package-lock.json) and fail if the committed artifacts/ differ from a fresh compile of
# solidity/src. The Rust tests load the committed artifacts, so they need no node.
set -euo pipefail
cd "$(dirname "$0")/solidity"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "zkinfer-evm: node and npm are needed to check the Solidity artifacts (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
echo "== zkinfer-evm: npm ci (solc-js $(node -p 'require("./package.json").dependencies.solc'))"
npm ci --no-audit --no-fund --loglevel=error
echo "== zkinfer-evm: Solidity artifacts are current"
node build.js --check
