import { defineProject } from "vitest/config"

export default defineProject({
  // The workspace's packages resolve to their TypeScript sources (their `exports` condition).
  ssr: { resolve: { conditions: ["@openai-containers/source"] } },
  test: {
    name: "testing",
    include: ["test/**/*.test.ts"],
    // The `fake-containers-api` command runs the built JavaScript (dist/bin.js): build it once, first.
    globalSetup: ["test/build.ts"],
  },
})
