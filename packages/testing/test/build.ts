/** Vitest global setup: builds `dist/` (what the `fake-containers-api` command runs) with tsc. */
import { execFileSync } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  const project = fileURLToPath(new URL("../tsconfig.build.json", import.meta.url))
  execFileSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" })
}
