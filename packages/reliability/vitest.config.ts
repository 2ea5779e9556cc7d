import { defineProject } from "vitest/config"

export default defineProject({
  // The workspace's packages resolve to their TypeScript sources (their `exports` condition).
  ssr: { resolve: { conditions: ["@openai-containers/source"] } },
  test: {
    name: "reliability",
    include: ["test/**/*.test.ts"],
    // One file at a time: the interruption suite measures wall time in milliseconds, and the
    // chaos and hostile-response suites would otherwise compete with it for the two cores.
    fileParallelism: false,
    // The property suites make hundreds of HTTP calls per test: on a busy machine that can pass
    // vitest's 5 s default without anything being wrong.
    testTimeout: 120_000,
  },
})
