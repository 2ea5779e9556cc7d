import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ContainerFiles, ContainersClient } from "../src/index.js"
import * as Stub from "./stub.js"

const ok = () => Stub.json(Stub.file("cfile_1"))

describe("ContainersClient", () => {
  it.effect("sends organization, project and extra headers; base URL trailing slash is ignored", () => {
    const stub = Stub.layer(ok, {
      baseUrl: "https://proxy.test/openai/v1/",
      organization: "org_1",
      project: "proj_1",
      headers: { "X-Trace": "t-1" },
    })
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      const req = stub.requests[0]!
      expect(req.url.href).toBe("https://proxy.test/openai/v1/containers/c/files/f")
      expect(req.headers).toMatchObject({
        "openai-organization": "org_1",
        "openai-project": "proj_1",
        "x-trace": "t-1",
        authorization: `Bearer ${Stub.apiKey}`,
      })
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a base URL's path and query are kept: paths go before the query, defaultQuery after it", () => {
    const stub = Stub.layer(ok, {
      baseUrl: "https://gateway.test/openai/v1?api-version=2025-04-01",
      defaultQuery: { tenant: "t 1" },
    })
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      yield* Effect.ignore(ContainerFiles.list("c", { limit: 5 }))
      expect(stub.requests.map((r) => r.url.href)).toEqual([
        "https://gateway.test/openai/v1/containers/c/files/f?api-version=2025-04-01&tenant=t+1",
        "https://gateway.test/openai/v1/containers/c/files?limit=5&api-version=2025-04-01&tenant=t+1",
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a base URL that is not an http(s) URL fails every call, naming baseUrl, before sending", () =>
    Effect.gen(function* () {
      for (const baseUrl of ["not a url", "api.openai.com/v1", "ftp://host/v1"]) {
        const stub = Stub.layer(ok, { baseUrl })
        const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(stub.layer)))
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toBe(`baseUrl ${JSON.stringify(baseUrl)} is not an http(s) URL`)
        expect(stub.requests).toHaveLength(0)
      }
    }),
  )

  it.effect("withResponse gives the status, request id and headers of the call, the key scrubbed", () => {
    const stub = Stub.layer(() =>
      Stub.json(Stub.file("cfile_1"), 200, {
        "x-request-id": `req_${Stub.apiKey}`,
        "x-ratelimit-remaining-requests": "41",
        "set-cookie": "session=abc",
      }),
    )
    return Effect.gen(function* () {
      const [file, response] = yield* ContainersClient.withResponse(ContainerFiles.retrieve("c", "f"))
      expect(file.id).toBe("cfile_1")
      expect(response.status).toBe(200)
      expect(response.requestId).toBe("req_<redacted>")
      expect(response.headers["x-ratelimit-remaining-requests"]).toBe("41")
      expect(response.headers["set-cookie"]).toBe("<redacted>")
      expect(JSON.stringify(response)).not.toContain(Stub.apiKey)
      // Nothing is collected outside it, and an effect with no call is a defect.
      const exit = yield* Effect.exit(ContainersClient.withResponse(Effect.succeed(1)))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("trace headers follow both tracePropagation and the platform's currentTracerPropagation", () => {
    const stub = Stub.layer(ok)
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      yield* ContainerFiles.retrieve("c", "f").pipe(ContainersClient.withOptions({ tracePropagation: false }))
      yield* ContainerFiles.retrieve("c", "f").pipe(
        Effect.locally(HttpClient.currentTracerPropagation, false),
      )
      expect(stub.requests.map((r) => r.headers.traceparent !== undefined)).toEqual([true, false, false])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("without a key, no Authorization header is sent (for a proxy that adds it)", () => {
    const stub = Stub.make(ok)
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      expect(stub.requests[0]!.headers.authorization).toBeUndefined()
      expect(stub.requests[0]!.url.origin).toBe("https://api.openai.com")
    }).pipe(
      Effect.provide(
        ContainersClient.layer().pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, stub.client))),
      ),
    )
  })

  it.effect("header values with CR or LF, and bad header names, fail before sending", () =>
    Effect.gen(function* () {
      for (const options of [
        { headers: { "x-a": "1\r\nx-b: 2" } },
        { headers: { "bad name": "1" } },
        { organization: "org\n" },
        { apiKey: Redacted.make("sk-\r\nx") },
      ]) {
        const stub = Stub.layer(ok, options)
        const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(stub.layer)))
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).not.toContain("sk-")
        expect(stub.requests).toHaveLength(0)
      }
    }),
  )

  it.effect("layerConfig reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID", () => {
    const stub = Stub.make(ok)
    const provider = ConfigProvider.fromMap(
      new Map([
        ["OPENAI_API_KEY", "sk-from-env"],
        ["OPENAI_BASE_URL", "http://127.0.0.1:9/v1"],
        ["OPENAI_ORG_ID", "org_env"],
        ["OPENAI_PROJECT_ID", "proj_env"],
      ]),
    )
    return Effect.gen(function* () {
      const service = yield* ContainersClient.ContainersClient
      expect(
        Redacted.isRedacted(service.options.apiKey.pipe((o) => (o._tag === "Some" ? o.value : undefined))),
      ).toBe(true)
      yield* ContainerFiles.retrieve("c", "f")
      expect(stub.requests[0]!.url.href).toBe("http://127.0.0.1:9/v1/containers/c/files/f")
      expect(stub.requests[0]!.headers).toMatchObject({
        authorization: "Bearer sk-from-env",
        "openai-organization": "org_env",
        "openai-project": "proj_env",
      })
    }).pipe(
      Effect.provide(
        ContainersClient.layerConfig().pipe(
          Layer.provide(Layer.succeed(HttpClient.HttpClient, stub.client)),
          Layer.provide(Layer.setConfigProvider(provider)),
        ),
      ),
    )
  })

  it.effect("layerConfig takes any option as a Config, and works with no environment at all", () => {
    const stub = Stub.make(ok)
    return Effect.gen(function* () {
      const { options } = yield* ContainersClient.ContainersClient
      expect(options.maxRetries).toBe(0)
      expect(options.apiKey._tag).toBe("None")
      expect(options.baseUrl).toBe("https://api.openai.com/v1")
    }).pipe(
      Effect.provide(
        ContainersClient.layerConfig({ maxRetries: Config.succeed(0) }).pipe(
          Layer.provide(Layer.succeed(HttpClient.HttpClient, stub.client)),
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map()))),
        ),
      ),
    )
  })

  it.effect("withOptions over a stream changes every request of that stream only", () => {
    const stub = Stub.layer(() =>
      Stub.json({
        object: "list",
        data: [Stub.file("cfile_1")],
        first_id: "cfile_1",
        last_id: "cfile_1",
        has_more: false,
      }),
    )
    return Effect.gen(function* () {
      yield* Stream.runDrain(
        ContainerFiles.stream("c").pipe(ContainersClient.withOptions({ headers: { "x-region": "eu" } })),
      )
      yield* ContainerFiles.list("c")
      expect(stub.requests.map((r) => r.headers["x-region"])).toEqual(["eu", undefined])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("trace headers are sent by default and not with tracePropagation: false", () => {
    const stub = Stub.layer(ok)
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      yield* ContainerFiles.retrieve("c", "f").pipe(ContainersClient.withOptions({ tracePropagation: false }))
      const [traced, untraced] = stub.requests
      expect(traced!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      expect(traced!.headers.b3).toBeDefined()
      expect(untraced!.headers.traceparent).toBeUndefined()
      expect(untraced!.headers.b3).toBeUndefined()
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect(
    "the trace headers name the endpoint span; a retried call records its status and resend count",
    () => {
      const stub = Stub.layer((_, i) => (i === 0 ? Stub.json({ error: { message: "busy" } }, 503) : ok()))
      return Effect.gen(function* () {
        const { spans, tracer } = yield* Stub.spanRecorder
        const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f").pipe(Effect.withTracer(tracer)))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(fiber)
        expect(spans.map((s) => s.name)).toEqual(["ContainerFiles.retrieve"])
        const span = spans[0]!
        const traceparents = stub.requests.map((r) => r.headers.traceparent)
        expect(traceparents).toEqual([
          `00-${span.traceId}-${span.spanId}-01`,
          `00-${span.traceId}-${span.spanId}-01`,
        ])
        expect(Object.fromEntries(span.attributes)).toEqual({
          "openai.container_id": "c",
          "openai.file_id": "f",
          "http.request.method": "GET",
          "http.response.status_code": 200,
          "http.request.resend_count": 1,
        })
      }).pipe(Effect.provide(stub.layer))
    },
  )

  it.effect("options no call can work with fail every call with InvalidRequestError, before sending", () => {
    const stub = Stub.layer(ok)
    const attempt = (options: ContainersClient.Options) =>
      Effect.flip(ContainerFiles.retrieve("c", "f")).pipe(ContainersClient.withOptions(options))
    const walk = (options: ContainersClient.Options) =>
      Effect.flip(Stream.runDrain(ContainerFiles.stream("c"))).pipe(ContainersClient.withOptions(options))
    return Effect.gen(function* () {
      const failures = [
        yield* attempt({ timeout: 0 }),
        yield* attempt({ timeout: "-1 seconds" }),
        yield* attempt({ timeout: Number.NaN }),
        yield* attempt({ maxRetries: -1 }),
        yield* attempt({ maxRetries: 1.5 }),
        yield* attempt({ maxRetries: Number.NaN }),
        yield* walk({ pagePrefetch: -1 }),
        yield* walk({ pagePrefetch: 0.5 }),
      ]
      expect(failures.map((e) => [e._tag, e.message])).toEqual([
        ["InvalidRequestError", "timeout must be longer than zero"],
        ["InvalidRequestError", "timeout must be longer than zero"],
        ["InvalidRequestError", "timeout must be longer than zero"],
        ["InvalidRequestError", "maxRetries must be a whole number from 0 up, or Infinity (got -1)"],
        ["InvalidRequestError", "maxRetries must be a whole number from 0 up, or Infinity (got 1.5)"],
        ["InvalidRequestError", "maxRetries must be a whole number from 0 up, or Infinity (got NaN)"],
        ["InvalidRequestError", "pagePrefetch must be a whole number from 0 up (got -1)"],
        ["InvalidRequestError", "pagePrefetch must be a whole number from 0 up (got 0.5)"],
      ])
      expect(stub.requests).toHaveLength(0)
      // The edges that do work: no timeout at all, retries until the schedule ends, no prefetch.
      const fine = { timeout: Duration.infinity, maxRetries: Number.POSITIVE_INFINITY, pagePrefetch: 0 }
      expect((yield* ContainerFiles.retrieve("c", "f").pipe(ContainersClient.withOptions(fine))).id).toBe(
        "cfile_1",
      )
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it("defaults match the documented policy", () => {
    expect(ContainersClient.defaults).toMatchObject({
      maxRetries: 2,
      pagePrefetch: 1,
      baseUrl: "https://api.openai.com/v1",
    })
    expect(Duration.toMillis(ContainersClient.defaults.timeout)).toBe(600_000)
    expect(Duration.toMillis(ContainersClient.defaults.maxRetryAfter)).toBe(60_000)
  })
})
