import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // The Effect 3 line only: packages/effect4/* run under vitest 5 on Node 24 (their own `test` script).
    projects: [
      "packages/core",
      "packages/node",
      "packages/browser",
      "packages/testing",
      "packages/reliability",
    ],
    // In CI a JSON report too, from which .ci/run prints the closing "N passed, N failed" line.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".tmp/vitest.json" }]] : ["default"],
  },
})
