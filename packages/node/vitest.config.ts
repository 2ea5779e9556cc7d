import { defineProject } from "vitest/config"

export default defineProject({
  // The workspace's packages resolve to their TypeScript sources (their `exports` condition).
  ssr: { resolve: { conditions: ["@openai-containers/source"] } },
  test: {
    name: "node",
    include: ["test/**/*.test.ts"],
  },
})
