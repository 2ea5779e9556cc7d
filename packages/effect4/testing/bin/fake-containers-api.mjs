#!/usr/bin/env node
// Runs the built JavaScript (`pnpm run build` writes dist/); no TypeScript runner is involved.
await import("../dist/bin.js")
