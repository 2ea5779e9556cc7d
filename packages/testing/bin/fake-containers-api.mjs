#!/usr/bin/env node
// Runs the package's built JavaScript in this process: no TypeScript runner and no child
// process, so a signal sent to this process reaches the server itself.
import { existsSync } from "node:fs"

const entry = new URL("../dist/bin.js", import.meta.url)
if (!existsSync(entry)) {
  // Only in a checkout of the repository, before the package is built.
  console.error(
    "fake-containers-api: dist/bin.js is missing; run `pnpm run build` in packages/testing first.",
  )
  process.exit(1)
}
await import(entry.href)
