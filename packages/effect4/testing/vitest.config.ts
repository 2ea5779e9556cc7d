import { defineConfig } from "vitest/config"

// Effect 4 line: run by vitest 5 on Node >= 22.19 (`pnpm test` here), not by the root's vitest 3.
export default defineConfig({
  // The workspace's packages resolve to their TypeScript sources (their `exports` condition);
  // vitest 5 on Vite 7 reads it from `ssr.resolve` for the node environment and passes it to
  // its workers as `--conditions`.
  ssr: { resolve: { conditions: ["@openai-containers/source"] } },
  test: {
    name: "effect4-testing",
    // In CI a JSON report, which .ci/run adds to its closing line.
    reporters: process.env.CI
      ? [
          "default",
          [
            "json",
            { outputFile: new URL("../../../.tmp/vitest/effect4-testing.json", import.meta.url).pathname },
          ],
        ]
      : ["default"],
    include: ["test/**/*.test.ts"],
    // The `fake-containers-api` command runs the built JavaScript: build it once, first.
    globalSetup: ["test/build.ts"],
  },
})
