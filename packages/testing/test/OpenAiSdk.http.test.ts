/**
 * The HTTP-only suite shared by both lines (`http/sdkSuite.ts`) against this line's
 * `fake-containers-api` command, built JavaScript run by plain `node` (`test/build.ts` builds it).
 */
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, it } from "vitest"
import { sdkSuite } from "./http/sdkSuite.js"

sdkSuite(
  { describe, it, beforeAll, afterAll },
  {
    bin:
      process.env.FAKE_CONTAINERS_API_BIN ??
      fileURLToPath(new URL("../bin/fake-containers-api.mjs", import.meta.url)),
  },
)
