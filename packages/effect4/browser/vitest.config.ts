import { defineConfig } from "vitest/config"

// Effect 4 line: run by vitest 5 on Node >= 22.19 (`pnpm test` here), not by the root's vitest 3.
export default defineConfig({
  test: {
    name: "effect4-browser",
    include: ["test/**/*.test.ts"],
  },
})
