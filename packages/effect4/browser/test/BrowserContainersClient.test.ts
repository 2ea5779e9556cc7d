import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles, ContainersClient } from "@openai-containers/core"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { apiKey, endpointSuite, newContainer, withClient } from "../../node/test/endpointSuite.js"
import { BrowserContainersClient } from "../src/index.js"

// The fake requires a key, so this run holds one; a real page would talk to a proxy instead.
const allowed = (options: BrowserContainersClient.Options) =>
  BrowserContainersClient.layer({ ...options, dangerouslyAllowApiKeyInBrowser: true })

endpointSuite("BrowserContainersClient.layer", allowed)

const buildError = (options: BrowserContainersClient.Options) =>
  Effect.flip(Layer.build(BrowserContainersClient.layer(options))).pipe(Effect.scoped)

describe("BrowserContainersClient", () => {
  it.effect("refuses an apiKey without dangerouslyAllowApiKeyInBrowser", () =>
    Effect.gen(function* () {
      const error = yield* buildError({ apiKey: Redacted.make("sk-secret") })
      expect(error._tag).toBe("InvalidRequestError")
      expect(error.message).toBe(
        "Refusing to put an OpenAI API key in a browser page: anyone who opens the page can read it. " +
          "Point `baseUrl` at your own server that adds the key (see the @openai-containers/browser README), " +
          "or pass `dangerouslyAllowApiKeyInBrowser: true` for a page only you use.",
      )
      expect(error.message).not.toContain("sk-secret")
    }),
  )

  it.effect("refuses an Authorization header the same way", () =>
    Effect.gen(function* () {
      const error = yield* buildError({ headers: { Authorization: "Bearer sk-secret" } })
      expect(error._tag).toBe("InvalidRequestError")
      expect(error.message).toContain("Refusing to put an OpenAI API key in a browser page")
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
      const withKey = yield* ContainersClient.ContainersClient.pipe(
        Effect.provide(
          BrowserContainersClient.layer({
            apiKey: Redacted.make("sk-local"),
            dangerouslyAllowApiKeyInBrowser: true,
          }),
        ),
      )
      expect(withKey.options.apiKey._tag).toBe("Some")
    }),
  )

  it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
    it.effect("sends no traceparent or b3 inside a span unless tracePropagation is true", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer
        yield* api.clearRequests
        yield* ContainerFiles.list(container.id).pipe(withClient(allowed), Effect.withSpan("page"))
        yield* ContainerFiles.list(container.id).pipe(
          withClient(allowed, { tracePropagation: true }),
          Effect.withSpan("page"),
        )
        const [plain, traced] = yield* api.requests
        expect([plain?.headers.traceparent, plain?.headers.b3]).toEqual([undefined, undefined])
        expect(traced?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      }),
    )
  })
})
