import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { ContainerFiles, ContainersClient } from "../src/index.js"
import * as Stub from "./stub.js"

const ok = () => Stub.json(Stub.file("cfile_1"))

const page = {
  object: "list",
  data: [Stub.file("cfile_1")],
  first_id: "cfile_1",
  last_id: "cfile_1",
  has_more: false,
}

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

  it.effect("a base URL's query is kept after the endpoint's own, then defaultQuery", () => {
    const stub = Stub.layer(
      (request) => Stub.json(request.url.pathname.endsWith("/files") ? page : Stub.file("f")),
      {
        baseUrl: "https://gateway.test/openai/v1?api-version=2025-04-01",
        defaultQuery: { tenant: "t1" },
      },
    )
    return Effect.gen(function* () {
      yield* ContainerFiles.list("c", { limit: 5 })
      yield* ContainerFiles.retrieve("c", "f").pipe(
        ContainersClient.withOptions({ defaultQuery: { region: "eu" } }),
      )
      expect(stub.requests.map((r) => r.url.href)).toEqual([
        "https://gateway.test/openai/v1/containers/c/files?limit=5&api-version=2025-04-01&tenant=t1",
        "https://gateway.test/openai/v1/containers/c/files/f?api-version=2025-04-01&tenant=t1&region=eu",
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a base URL that is not an http(s) URL fails every call, naming baseUrl", () => {
    const stub = Stub.layer(ok, { baseUrl: "api.test/v1" })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect([error._tag, error.message]).toEqual([
        "InvalidRequestError",
        'baseUrl "api.test/v1" is not an http(s) URL',
      ])
      const ftp = yield* Effect.flip(
        ContainerFiles.retrieve("c", "f").pipe(
          ContainersClient.withOptions({ baseUrl: "ftp://api.test/v1" }),
        ),
      )
      expect(ftp.message).toBe('baseUrl "ftp://api.test/v1" is not an http(s) URL')
      expect(stub.requests).toHaveLength(0)
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
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect(
    "withResponse: the last response wins, a failure stays a failure, nesting keeps each apart",
    () => {
      const stub = Stub.layer((request, i) =>
        request.url.pathname.endsWith("/missing")
          ? Stub.json({ error: { message: "No such file" } }, 404)
          : Stub.json(Stub.file(`cfile_${i}`), i === 0 ? 200 : 201, { "x-request-id": `req_call_${i}` }),
      )
      return Effect.gen(function* () {
        const [[first, inner], outer] = yield* ContainersClient.withResponse(
          Effect.gen(function* () {
            const one = yield* ContainersClient.withResponse(ContainerFiles.retrieve("c", "a"))
            yield* ContainerFiles.retrieve("c", "b")
            return one
          }),
        )
        expect(first.id).toBe("cfile_0")
        expect([inner.status, inner.requestId]).toEqual([200, "req_call_0"])
        expect([outer.status, outer.requestId]).toEqual([201, "req_call_1"])
        const error = yield* Effect.flip(
          ContainersClient.withResponse(ContainerFiles.retrieve("c", "missing")),
        )
        expect(error._tag).toBe("NotFoundError")
      }).pipe(Effect.provide(stub.layer))
    },
  )

  it.effect("withResponse over a prefetched walk: pages fetched in a forked fiber report too", () => {
    const stub = Stub.layer((request) => {
      const after = request.url.searchParams.get("after")
      return after === null
        ? Stub.json({ ...page, has_more: true }, 200, { "x-request-id": "req_page_1" })
        : Stub.json({ ...page, data: [Stub.file("cfile_2")], first_id: "cfile_2", last_id: "cfile_2" }, 200, {
            "x-request-id": "req_page_2",
          })
    })
    return Effect.gen(function* () {
      const [files, response] = yield* ContainersClient.withResponse(
        Stream.runCollect(ContainerFiles.stream("c").pipe(ContainersClient.withOptions({ pagePrefetch: 2 }))),
      )
      expect(files.map((f) => f.id)).toEqual(["cfile_1", "cfile_2"])
      expect(stub.requests).toHaveLength(2)
      expect(response.requestId).toBe("req_page_2")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("withResponse over contentBytes gives the content response's headers", () => {
    const stub = Stub.layer(() => ({
      raw: new Uint8Array([1, 2, 3]),
      headers: { "content-type": "application/octet-stream", "x-request-id": "req_content" },
    }))
    return Effect.gen(function* () {
      const [bytes, response] = yield* ContainersClient.withResponse(ContainerFiles.contentBytes("c", "f"))
      expect([...bytes]).toEqual([1, 2, 3])
      expect(response).toMatchObject({
        status: 200,
        requestId: "req_content",
        headers: { "content-type": "application/octet-stream" },
      })
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
    const provider = ConfigProvider.fromEnv({
      env: {
        OPENAI_API_KEY: "sk-from-env",
        OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
        OPENAI_ORG_ID: "org_env",
        OPENAI_PROJECT_ID: "proj_env",
      },
    })
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
          Layer.provide(ConfigProvider.layer(provider)),
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
          Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} }))),
        ),
      ),
    )
  })

  it.effect("withOptions over a stream changes every request of that stream only", () => {
    const stub = Stub.layer(() => Stub.json(page))
    return Effect.gen(function* () {
      yield* Stream.runDrain(
        ContainerFiles.stream("c").pipe(ContainersClient.withOptions({ headers: { "x-region": "eu" } })),
      )
      yield* ContainerFiles.list("c")
      expect(stub.requests.map((r) => r.headers["x-region"])).toEqual(["eu", undefined])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("withOptions is dual and nests: the inner options win, the outer ones stay", () => {
    const stub = Stub.layer(ok)
    return Effect.gen(function* () {
      const inner = ContainerFiles.retrieve("c", "f").pipe(
        ContainersClient.withOptions({ headers: { "x-a": "in" } }),
      )
      yield* ContainersClient.withOptions(inner, { headers: { "x-a": "out", "x-b": "out" } })
      expect(stub.requests[0]!.headers).toMatchObject({ "x-a": "in", "x-b": "out" })
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("transformClient sees each request as sent; withOptions stacks another on top", () => {
    const seen: Array<string> = []
    const spy =
      (name: string) =>
      (client: HttpClient.HttpClient): HttpClient.HttpClient =>
        HttpClient.transform(client, (response, request) => {
          seen.push(`${name} ${request.method} ${request.url} ${request.headers.authorization}`)
          return response
        })
    const stub = Stub.layer(ok, { transformClient: spy("layer") })
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      yield* ContainerFiles.retrieve("c", "g").pipe(
        ContainersClient.withOptions({ transformClient: spy("call") }),
      )
      expect(seen).toEqual([
        `layer GET https://api.test/v1/containers/c/files/f Bearer ${Stub.apiKey}`,
        `call GET https://api.test/v1/containers/c/files/g Bearer ${Stub.apiKey}`,
        `layer GET https://api.test/v1/containers/c/files/g Bearer ${Stub.apiKey}`,
      ])
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("trace headers are sent by default and not with tracePropagation: false", () => {
    const stub = Stub.layer(ok)
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("c", "f")
      yield* ContainerFiles.retrieve("c", "f").pipe(ContainersClient.withOptions({ tracePropagation: false }))
      yield* ContainerFiles.retrieve("c", "f").pipe(
        Effect.provideService(HttpClient.TracerPropagationEnabled, false),
      )
      const [traced, untraced, platformOff] = stub.requests
      expect(traced!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      expect(traced!.headers.b3).toBeDefined()
      expect(untraced!.headers.traceparent).toBeUndefined()
      expect(untraced!.headers.b3).toBeUndefined()
      expect(platformOff!.headers.traceparent).toBeUndefined()
      expect(platformOff!.headers.b3).toBeUndefined()
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect(
    "the trace headers name the endpoint span; a retried call records its status and resend count",
    () => {
      const stub = Stub.layer((_, i) => (i === 0 ? Stub.json({ error: { message: "busy" } }, 503) : ok()))
      return Effect.gen(function* () {
        const { spans, tracer } = yield* Stub.spanRecorder
        const fiber = yield* Effect.forkChild(
          ContainerFiles.retrieve("c", "f").pipe(Effect.withTracer(tracer)),
        )
        yield* Stub.adjust("1 second")
        yield* Fiber.join(fiber)
        // Only the endpoint's span: the platform's per-request span is turned off.
        expect(spans.map((s) => s.name)).toEqual(["ContainerFiles.retrieve"])
        const span = spans[0]!
        const traceparents = stub.requests.map((r) => r.headers.traceparent)
        expect(traceparents).toEqual([
          `00-${span.traceId}-${span.spanId}-01`,
          `00-${span.traceId}-${span.spanId}-01`,
        ])
        expect(span.kind).toBe("client")
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
    expect(ContainersClient.defaultRetrySchedule).toBe(ContainersClient.defaults.retrySchedule)
  })

  it("resolveOptions fills the defaults and keeps what is given", () => {
    const resolved = ContainersClient.resolveOptions({
      timeout: "5 seconds",
      maxRetryAfter: 2000,
      retrySchedule: Schedule.spaced("1 second"),
    })
    expect(Duration.toMillis(resolved.timeout)).toBe(5000)
    expect(Duration.toMillis(resolved.maxRetryAfter)).toBe(2000)
    expect(resolved.retrySchedule).not.toBe(ContainersClient.defaultRetrySchedule)
    expect(resolved.baseUrl).toBe(ContainersClient.defaultBaseUrl)
  })
})
