import { describe, expect, it } from "@effect/vitest"
import { ContainersClient } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { endpointSuite } from "../../node/test/endpointSuite.js"
import { BrowserContainersClient } from "../src/index.js"

// The fake requires a key, so this run holds one; a real page would talk to a proxy instead.
endpointSuite("BrowserContainersClient.layer", (options) =>
  BrowserContainersClient.layer({ ...options, dangerouslyAllowApiKeyInBrowser: true }),
)

const buildError = (options: BrowserContainersClient.Options) =>
  Effect.flip(Layer.build(BrowserContainersClient.layer(options))).pipe(Effect.scoped)

describe("BrowserContainersClient", () => {
  it.effect("refuses an apiKey without dangerouslyAllowApiKeyInBrowser", () =>
    Effect.gen(function* () {
      const error = yield* buildError({ apiKey: Redacted.make("sk-secret") })
      expect(error._tag).toBe("InvalidRequestError")
      expect(error.message).toContain("Refusing to put an OpenAI API key in a browser page")
      expect(error.message).not.toContain("sk-secret")
    }),
  )

  it.effect("refuses an Authorization header the same way", () =>
    Effect.gen(function* () {
      const error = yield* buildError({ headers: { Authorization: "Bearer sk-secret" } })
      expect(error._tag).toBe("InvalidRequestError")
      expect(error.message).not.toContain("sk-secret")
    }),
  )

  it.effect("accepts a keyless proxy setup, and a key when explicitly allowed", () =>
    Effect.gen(function* () {
      const proxied = yield* ContainersClient.ContainersClient.pipe(
        Effect.provide(BrowserContainersClient.layer({ baseUrl: "https://example.test/api/openai" })),
      )
      expect(proxied.options.baseUrl).toBe("https://example.test/api/openai")
      // No traceparent/b3 unless asked: a cross-origin proxy would have to allow them.
      expect(proxied.options.tracePropagation).toBe(false)
      const traced = yield* ContainersClient.ContainersClient.pipe(
        Effect.provide(BrowserContainersClient.layer({ tracePropagation: true })),
      )
      expect(traced.options.tracePropagation).toBe(true)
      const allowed = yield* ContainersClient.ContainersClient.pipe(
        Effect.provide(
          BrowserContainersClient.layer({
            apiKey: Redacted.make("sk-local"),
            dangerouslyAllowApiKeyInBrowser: true,
          }),
        ),
      )
      expect(allowed.options.apiKey._tag).toBe("Some")
    }),
  )
})
