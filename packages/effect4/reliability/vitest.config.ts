import { defineConfig } from "vitest/config"

// Effect 4 line: run by vitest 5 on Node >= 22.19 (`pnpm test` here), not by the root's vitest 3.
export default defineConfig({
  test: {
    name: "effect4-reliability",
    include: ["test/**/*.test.ts"],
    // One file at a time: the interruption suite measures wall time in milliseconds, and the
    // chaos and hostile-response suites would otherwise compete with it for the two cores.
    fileParallelism: false,
  },
})
