/**
 * A server that echoes the key (or a bearer token given as an `authorization` header option)
 * back: in its request id, error object, headers, a body that is not JSON, a body of the wrong
 * shape, a transport failure's message. What the library hands out shows `<redacted>` instead,
 * and drops any cause that would quote it.
 */
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { ContainerFiles, Containers, ContainersClient, type ContainersError } from "../src/index.js"
import * as Stub from "./stub.js"

const key = Stub.apiKey

/** Every way a user might print an error. */
const renderings = (error: ContainersError.ContainersError) => [
  error.message,
  String(error),
  JSON.stringify(error),
  inspect(error, { depth: 20, showHidden: true }),
  Cause.pretty(Cause.fail(error)),
  error.stack ?? "",
]

const expectHidden = (error: ContainersError.ContainersError, secret: string) => {
  for (const text of renderings(error)) expect(text).not.toContain(secret)
}

describe("a secret the server echoes never reaches an error", () => {
  it.effect("the request id, error object and headers of a status error", () => {
    const stub = Stub.layer(
      () =>
        Stub.json(
          {
            error: {
              message: `Incorrect API key provided: ${key}.`,
              type: "invalid_request_error",
              param: key,
            },
          },
          401,
          { "x-request-id": `req_${key}`, "www-authenticate": `Bearer token="${key}"` },
        ),
      { maxRetries: 0 },
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Containers.list())
      expect(error._tag).toBe("AuthenticationError")
      if (error._tag !== "AuthenticationError") return
      expect(error.requestId).toBe("req_<redacted>")
      expect(error.error).toMatchObject({
        message: "Incorrect API key provided: <redacted>.",
        param: "<redacted>",
      })
      expect(error.headers["www-authenticate"]).toBe('Bearer token="<redacted>"')
      expect(error.message).toBe(
        "401 Incorrect API key provided: <redacted>. (GET /containers) [request req_<redacted>]",
      )
      expectHidden(error, key)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a bearer token given as an authorization header option, without apiKey", () => {
    const token = "tok-proxy-0123456789abcdef"
    const stub = Stub.layer(
      () =>
        Stub.json({ error: { message: `bad token ${token}`, type: "auth" } }, 401, {
          "x-request-id": `req_${token}`,
          "x-echo": `Bearer ${token}`,
        }),
      { apiKey: undefined, headers: { Authorization: `Bearer ${token}` }, maxRetries: 0 },
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(stub.requests[0]!.headers.authorization).toBe(`Bearer ${token}`)
      expect(error).toMatchObject({
        _tag: "AuthenticationError",
        requestId: "req_<redacted>",
        error: { message: "bad token <redacted>" },
        headers: { "x-echo": "<redacted>" },
      })
      expectHidden(error, token)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a body that is not JSON and echoes the key is not quoted, and has no cause", () => {
    // V8's JSON.parse error quotes a few characters around the fault: part of the key, maybe.
    const stub = Stub.layer(
      () => ({
        raw: `{"id": "${key}" "${key}"}`,
        headers: { "content-type": "application/json", "x-request-id": key },
      }),
      { maxRetries: 0 },
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Containers.retrieve("cntr_1"))
      expect(error).toMatchObject({
        _tag: "ResponseDecodeError",
        reason: "MalformedJson",
        requestId: "<redacted>",
        issue: "not JSON (the body echoes the API key, so it is not quoted)",
      })
      expect("cause" in error ? error.cause : "none").toBeUndefined()
      for (const text of renderings(error)) expect(text).not.toContain(key.slice(-12))
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a body that is not JSON and does not echo it is quoted by the parser, its cause kept", () => {
    const stub = Stub.layer(() => ({ raw: "<html>", headers: { "content-type": "text/html" } }), {
      maxRetries: 0,
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(Containers.retrieve("cntr_1"))
      expect(error._tag === "ResponseDecodeError" && error.issue).toMatch(/^not JSON: /)
      expect("cause" in error && error.cause).toBeInstanceOf(SyntaxError)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect(
    "a body of the wrong shape that echoes the key: its schema error (which holds it) is dropped",
    () => {
      const stub = Stub.layer(
        (request) =>
          request.url.pathname.endsWith("/echo")
            ? Stub.json({ id: key, object: key, created_at: key }, 200, { "x-request-id": `req_${key}` })
            : Stub.json({ id: "cntr_1", object: "container", created_at: "yesterday" }),
        { maxRetries: 0 },
      )
      return Effect.gen(function* () {
        const echoed = yield* Effect.flip(Containers.retrieve("echo"))
        expect(echoed).toMatchObject({
          _tag: "ResponseDecodeError",
          reason: "SchemaMismatch",
          requestId: "req_<redacted>",
        })
        expect("cause" in echoed ? echoed.cause : "none").toBeUndefined()
        expectHidden(echoed, key)
        // Without the key in the body, the schema error stays as the cause.
        const plain = yield* Effect.flip(Containers.retrieve("plain"))
        expect(plain._tag === "ResponseDecodeError" && plain.reason).toBe("SchemaMismatch")
        expect(Schema.isSchemaError("cause" in plain ? plain.cause : undefined)).toBe(true)
      }).pipe(Effect.provide(stub.layer))
    },
  )

  it.effect("a transport failure that quotes the key: description scrubbed, cause dropped", () => {
    const stub = Stub.layer(() => ({ transportError: `proxy refused Bearer ${key}` }), { maxRetries: 0 })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error).toMatchObject({
        _tag: "ConnectionError",
        phase: "request",
        description: "proxy refused Bearer <redacted>",
      })
      expect("cause" in error ? error.cause : "none").toBeUndefined()
      expectHidden(error, key)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a transport failure with neither cause nor description is described by its message", () => {
    const client = HttpClient.make((request) =>
      Effect.fail(
        new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request }) }),
      ),
    )
    const layer = ContainersClient.layer({ baseUrl: "https://api.test/v1", maxRetries: 0 }).pipe(
      Layer.provide(Layer.succeed(HttpClient.HttpClient, client)),
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error._tag === "ConnectionError" && error.description).toBe(
        "Transport error (GET https://api.test/v1/containers/c/files/f)",
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("a short authorization header value (under 8 characters) is not treated as a secret", () => {
    const stub = Stub.layer(() => Stub.json({ error: { message: "abc is fine" } }, 400), {
      apiKey: undefined,
      headers: { authorization: "abc" },
      maxRetries: 0,
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error.message).toContain("abc is fine")
    }).pipe(Effect.provide(stub.layer))
  })
})
