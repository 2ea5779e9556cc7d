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
    // In CI a JSON report per run (this config runs on Node 20, 22 and 24), from which .ci/run
    // adds up the closing "N passed, N failed" line.
    reporters: process.env.CI
      ? [
          "default",
          ["json", { outputFile: `.tmp/vitest/effect3-node${process.versions.node.split(".")[0]}.json` }],
        ]
      : ["default"],
  },
})
