/**
 * The key never leaks: with a recognisable key, every error kind is provoked over real HTTP
 * with debug logging and tracing captured; the key appears in no error message, `toString`,
 * `toJSON`, `util.inspect`, `Cause.pretty`, log line, span attribute, span event or span exit,
 * while the fake's request log shows the server did receive it.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import {
  ContainerFiles,
  Containers,
  ContainersClient,
  type ContainersError,
  Upload,
} from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { TestClock } from "effect/testing"

const KEY = "sk-canary-SECRET-7f3a9c1e5b2d4680"
/** Pieces of the key that must not show up either (a partial leak is a leak). */
const needles = [KEY, "SECRET-7f3a9c1e5b2d4680", "7f3a9c1e5b2d4680"]

/** Everything the program printed or recorded, as text to search. */
const captured: Array<string> = []
const spans: Array<Tracer.Span> = []

// Effect 4 keeps a log's annotations and spans in the logging fiber's references.
const capturingLogger = Logger.make((options) => {
  captured.push(
    [
      options.logLevel,
      inspect(options.message, { depth: 10 }),
      Cause.pretty(options.cause),
      inspect(options.fiber.getRef(References.CurrentLogAnnotations), { depth: 10 }),
      inspect(options.fiber.getRef(References.CurrentLogSpans), { depth: 4 }),
    ].join(" "),
  )
})

/** Delegates to Effect's own tracer and keeps every span it makes. */
const capturingTracer = Effect.map(Effect.tracer, (native) =>
  Tracer.make({
    span: (options) => {
      const span = native.span(options)
      spans.push(span)
      return span
    },
    context: native.context,
  }),
)

const observed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(capturingTracer, (tracer) =>
    self.pipe(
      Effect.withTracer(tracer),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.provide(Logger.layer([capturingLogger])),
    ),
  )

/**
 * What a tracer exports from a span: its name, attributes, events and, for a failure, the
 * cause. (The success value of a span's exit is not exported.)
 */
const spanText = (span: Tracer.Span) => {
  const events = "events" in span ? inspect(span.events, { depth: 10 }) : ""
  const failure =
    span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
      ? Cause.pretty(span.status.exit.cause)
      : ""
  return `${span.name} ${inspect(span.attributes, { depth: 10 })} ${events} ${failure}`
}

/** Every way a user might print an error. */
const renderings = (
  error: ContainersError.ContainersError,
  cause: Cause.Cause<unknown>,
): Record<string, string> => ({
  message: error.message,
  toString: String(error),
  toJSON: JSON.stringify(error),
  inspect: inspect(error, { depth: 10, showHidden: true }),
  stack: error.stack ?? "",
  "Cause.pretty": Cause.pretty(cause),
  "Cause.prettyErrors": inspect(Cause.prettyErrors(cause), { depth: 10 }),
})

const expectNoKey = (where: string, text: string) => {
  for (const needle of needles) {
    if (text.includes(needle))
      throw new Error(
        `the key leaked into ${where}: …${text.slice(Math.max(0, text.indexOf(needle) - 600), text.indexOf(needle) + 40)}…`,
      )
  }
}

type Call = Effect.Effect<unknown, ContainersError.ContainersError, ContainersClient.ContainersClient>

interface Case {
  readonly tag: ContainersError.ContainersError["_tag"]
  readonly fault?: FakeContainersApi.Fault
  readonly call: (containerId: string, fileId: string) => Call
  /** Whether the request reaches the server (false for input refused before sending). */
  readonly sent?: boolean
  readonly options?: ContainersClient.Options
}

const status = (code: number, headers: Record<string, string> = {}): FakeContainersApi.Fault => ({
  _tag: "Status",
  status: code,
  headers: { "x-should-retry": "false", ...headers },
})

const cases: ReadonlyArray<Case> = [
  { tag: "BadRequestError", fault: status(400), call: (c) => ContainerFiles.list(c) },
  { tag: "AuthenticationError", fault: status(401), call: (c, f) => ContainerFiles.retrieve(c, f) },
  { tag: "PermissionDeniedError", fault: status(403), call: (c, f) => ContainerFiles.delete(c, f) },
  { tag: "NotFoundError", call: (c) => ContainerFiles.retrieve(c, "cfile_missing") },
  { tag: "ConflictError", fault: status(409), call: (c) => ContainerFiles.create(c, { fileId: "file-1" }) },
  { tag: "UnprocessableEntityError", fault: status(422), call: () => Containers.create({ name: "n" }) },
  {
    tag: "RateLimitError",
    fault: status(429, { "retry-after": "3600", "x-should-retry": "true" }),
    call: () => Containers.list(),
  },
  { tag: "InternalServerError", fault: status(500), call: (c, f) => ContainerFiles.contentBytes(c, f) },
  { tag: "ApiError", fault: status(418), call: (c) => Containers.retrieve(c) },
  {
    tag: "ConnectionError",
    fault: { _tag: "ResetMidBody" },
    call: (c) => Stream.runDrain(ContainerFiles.stream(c)),
  },
  {
    tag: "ConnectionError",
    fault: { _tag: "ResetMidBody", afterBytes: 10 },
    call: (c, f) => ContainerFiles.contentBytes(c, f),
  },
  {
    tag: "TimeoutError",
    fault: { _tag: "Stall", millis: 2_000 },
    call: (c, f) => ContainerFiles.retrieve(c, f),
    options: { timeout: "100 millis" },
  },
  {
    tag: "TimeoutError",
    fault: { _tag: "Stall", millis: 2_000, afterBytes: 5 },
    call: (c, f) => ContainerFiles.contentBytes(c, f),
    options: { timeout: "100 millis" },
  },
  { tag: "ResponseDecodeError", fault: { _tag: "MalformedJson" }, call: (c) => ContainerFiles.list(c) },
  {
    tag: "ResponseDecodeError",
    fault: { _tag: "TruncatedBody" },
    call: (c) => ContainerFiles.create(c, { file: Upload.fromBytes("a.txt", new Uint8Array([1])) }),
  },
  { tag: "InvalidRequestError", call: (c) => ContainerFiles.retrieve(c, ".."), sent: false },
  { tag: "InvalidRequestError", call: () => Containers.list({ limit: 0 }), sent: false },
  {
    tag: "InvalidRequestError",
    call: () => Containers.list(),
    sent: false,
    options: { headers: { "x-bad": "a\r\nb" } },
  },
]

describe("the API key never leaks", () => {
  it.layer(FakeContainersServer.layer({ apiKey: KEY }), { timeout: 30_000 })((it) => {
    it.effect(`${cases.length} provoked errors, with debug logs and spans captured`, () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const baseUrl = yield* FakeContainersServer.baseUrl
        const container = yield* api.createContainer({ name: "secrets" })
        const file = yield* api.addFile(container.id, { filename: "a.txt", bytes: new Uint8Array(100) })
        const seenTags = new Set<string>()
        for (const c of cases) {
          yield* api.clearRequests
          yield* api.clearFaults
          if (c.fault !== undefined) yield* api.injectFault({ fault: c.fault, times: 10 })
          const layer = NodeContainersClient.layer({
            baseUrl,
            apiKey: Redacted.make(KEY),
            organization: "org-visible",
            maxRetries: 1,
            retrySchedule: Schedule.spaced("1 millis"),
            ...c.options,
          })
          const exit = yield* c.call(container.id, file.id).pipe(
            Effect.tapCause((cause) => Effect.logError("call failed", cause)),
            Effect.tapError((error) => Effect.logDebug(error)),
            Effect.annotateLogs("attempt", "secrets"),
            Effect.provide(layer),
            Effect.exit,
            observed,
          )
          expect(Exit.isFailure(exit), c.tag).toBe(true)
          if (Exit.isSuccess(exit)) continue
          const error = Option.getOrThrow(Cause.findErrorOption(exit.cause))
          expect(error._tag).toBe(c.tag)
          seenTags.add(error._tag)
          for (const [how, text] of Object.entries(renderings(error, exit.cause)))
            expectNoKey(`${c.tag} ${how}`, text)
          const log = yield* api.requests
          if (c.sent === false) {
            expect(log).toEqual([])
          } else {
            // The server did get the key: the redaction is in what the library shows, not what it sends.
            expect(log.length).toBeGreaterThan(0)
            for (const r of log) expect(r.headers.authorization).toBe(`Bearer ${KEY}`)
          }
        }
        expect(seenTags.size).toBe(13)
        expect(captured.length).toBeGreaterThanOrEqual(cases.length * 2)
        for (const line of captured) expectNoKey("a log line", line)
        // The library's spans ran, one per call and none holding the key; the platform's
        // per-attempt HTTP span (which copied headers) is not made.
        const names = new Set(spans.map((s) => s.name))
        for (const name of [
          "ContainerFiles.list",
          "ContainerFiles.retrieve",
          "ContainerFiles.content",
          "Containers.list",
        ]) {
          expect(names.has(name), name).toBe(true)
        }
        expect([...names].filter((n) => n.startsWith("http.client"))).toEqual([])
        for (const span of spans) expectNoKey(`span ${span.name}`, spanText(span))
      }).pipe(TestClock.withLive),
    )

    it.effect("a key with CR/LF or an invalid character is refused without quoting it", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const baseUrl = yield* FakeContainersServer.baseUrl
        yield* api.clearRequests
        for (const bad of [`${KEY}\r\nX-Injected: 1`, `${KEY}\n`, `${KEY}€`, `\u0000${KEY}`]) {
          const exit = yield* Containers.list().pipe(
            Effect.provide(NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(bad) })),
            Effect.exit,
          )
          const error = Option.getOrThrow(
            Cause.findErrorOption(Exit.isFailure(exit) ? exit.cause : Cause.empty),
          )
          expect(error._tag).toBe("InvalidRequestError")
          if (Exit.isFailure(exit))
            for (const [how, text] of Object.entries(renderings(error, exit.cause))) expectNoKey(how, text)
        }
        expect(yield* api.requests).toEqual([])
      }).pipe(TestClock.withLive),
    )

    it.effect("the client service and its options print without the key", () =>
      Effect.gen(function* () {
        const baseUrl = yield* FakeContainersServer.baseUrl
        const service = yield* ContainersClient.ContainersClient.pipe(
          Effect.provide(NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(KEY) })),
        )
        expect(Redacted.value(Option.getOrThrow(service.options.apiKey))).toBe(KEY)
        expectNoKey("inspect(service)", inspect(service, { depth: 10, showHidden: true }))
        expectNoKey("JSON options", JSON.stringify(service.options))
        expectNoKey("String options", String(service.options.apiKey))
      }).pipe(TestClock.withLive),
    )
  })

  it.live(
    "a server that echoes the key in its request id, error message, headers and bodies does not leak it",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* Effect.acquireRelease(
            Effect.callback<Http.Server>((resume) => {
              const s = Http.createServer((req, res) => {
                const auth = req.headers.authorization ?? ""
                const key = auth.slice(7)
                if (req.url?.includes("/containers/malformed") === true) {
                  // V8's JSON.parse error quotes a few characters around the fault.
                  res.writeHead(200, { "content-type": "application/json", "x-request-id": key })
                  return void res.end(`{"id": "${key}" "${key}"}`)
                }
                if (req.url?.includes("/containers/mismatch") === true) {
                  res.writeHead(200, { "content-type": "application/json", "x-request-id": `req_${key}` })
                  return void res.end(JSON.stringify({ id: key, object: key, created_at: key }))
                }
                res.writeHead(401, {
                  "x-request-id": `req_${key}`,
                  "content-type": "application/json",
                  "x-echo-authorization": auth,
                  "www-authenticate": `Bearer realm="api", error="invalid_token", token="${auth.slice(7)}"`,
                  "set-cookie": `session=${auth.slice(7)}`,
                })
                res.end(
                  JSON.stringify({
                    error: {
                      message: `Incorrect API key provided: ${auth.slice(7)}.`,
                      type: "invalid_request_error",
                      param: auth,
                      code: "invalid_api_key",
                    },
                  }),
                )
              })
              s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
            }),
            (s) =>
              Effect.callback<void>((resume) => {
                s.close(() => resume(Effect.void))
              }),
          )
          const { port } = server.address() as AddressInfo
          const layer = NodeContainersClient.layer({
            baseUrl: `http://127.0.0.1:${port}/v1`,
            apiKey: Redacted.make(KEY),
            maxRetries: 0,
          })
          const calls: ReadonlyArray<readonly [Call, ContainersError.ContainersError["_tag"]]> = [
            [Containers.list(), "AuthenticationError"],
            [Containers.retrieve("malformed"), "ResponseDecodeError"],
            [Containers.retrieve("mismatch"), "ResponseDecodeError"],
          ]
          for (const [call, tag] of calls) {
            const exit = yield* call.pipe(Effect.provide(layer), Effect.exit, observed)
            const error = Option.getOrThrow(
              Cause.findErrorOption(Exit.isFailure(exit) ? exit.cause : Cause.empty),
            )
            expect(error._tag).toBe(tag)
            // The request id is kept, with the key blanked out of it.
            expect("requestId" in error && error.requestId?.replace(/^req_/, "")).toBe("<redacted>")
            if (Exit.isFailure(exit))
              for (const [how, text] of Object.entries(renderings(error, exit.cause)))
                expectNoKey(`echo ${tag} ${how}`, text)
          }
          for (const line of captured) expectNoKey("log line", line)
          // No span holds it: the library records no header, and the platform's own
          // `http.client` span (which copied response headers) is not made.
          expect(spans.map((s) => s.name).filter((n) => n.startsWith("http.client"))).toEqual([])
          for (const span of spans) expectNoKey(`span ${span.name}`, spanText(span))
        }),
      ),
  )
})
