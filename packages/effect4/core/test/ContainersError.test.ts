import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import { ContainersError, Models } from "../src/index.js"
import { describeSchemaError, hideKey, statusError, withNote } from "../src/internal/failures.js"

const call = { method: "GET", path: "/containers/cntr_1/files/cfile_1" }

const apiError = {
  message: "Something is off",
  type: "invalid_request_error",
  param: "limit",
  code: "bad_limit",
}

const errorBody = (error: unknown) => JSON.stringify({ error })

describe("ContainersError", () => {
  const statuses: ReadonlyArray<[number, string]> = [
    [400, "BadRequestError"],
    [401, "AuthenticationError"],
    [403, "PermissionDeniedError"],
    [404, "NotFoundError"],
    [409, "ConflictError"],
    [422, "UnprocessableEntityError"],
    [429, "RateLimitError"],
    [500, "InternalServerError"],
    [503, "InternalServerError"],
    [418, "ApiError"],
  ]
  for (const [status, tag] of statuses) {
    it(`${status} is a ${tag} with status, request id, error object and headers`, () => {
      const error = statusError(
        call,
        status,
        { "x-request-id": "req_abc", "set-cookie": "s=1", authorization: "Bearer x" },
        errorBody(apiError),
      )
      expect(error._tag).toBe(tag)
      expect(ContainersError.isContainersError(error)).toBe(true)
      expect(error).toMatchObject({
        status,
        requestId: "req_abc",
        error: apiError,
        method: "GET",
        path: "/containers/cntr_1/files/cfile_1",
      })
      expect(error.message).toBe(
        `${status} Something is off (GET /containers/cntr_1/files/cfile_1) [request req_abc]`,
      )
      expect(error.headers["set-cookie"]).toBe("<redacted>")
      expect(error.headers.authorization).toBe("<redacted>")
      expect(error.headers["x-request-id"]).toBe("req_abc")
    })
  }

  it.effect("catchTag matches each error", () =>
    Effect.gen(function* () {
      const all: ReadonlyArray<ContainersError.ContainersError> = [
        ...statuses.map(([status]) => statusError(call, status, {}, "")),
        new ContainersError.ConnectionError({ ...call, phase: "request", description: "socket hang up" }),
        new ContainersError.TimeoutError({ ...call, timeout: Duration.seconds(1), phase: "response" }),
        new ContainersError.ResponseDecodeError({
          ...call,
          status: 200,
          requestId: undefined,
          reason: "MalformedJson",
          issue: "Unexpected end of JSON input",
        }),
        new ContainersError.InvalidRequestError({ message: "containerId must be a non-empty string" }),
      ]
      for (const error of all) {
        const caught = yield* Effect.fail(error).pipe(
          Effect.catchTag(error._tag, (e) => Effect.succeed(e._tag)),
        )
        expect(caught).toBe(error._tag)
        expect(ContainersError.isContainersError(error)).toBe(true)
      }
      const notFound = yield* Effect.fail(statusError(call, 404, {}, errorBody(apiError))).pipe(
        Effect.as("found"),
        Effect.catchTag("NotFoundError", (e) => Effect.succeed(`missing ${e.status}`)),
      )
      expect(notFound).toBe("missing 404")
    }),
  )

  it.effect("an error is yieldable and fails the effect with itself", () =>
    Effect.gen(function* () {
      const error = new ContainersError.InvalidRequestError({ message: "bad" })
      const flipped = yield* Effect.flip(
        Effect.gen(function* () {
          return yield* error
        }),
      )
      expect(flipped).toBe(error)
      expect(flipped).toBeInstanceOf(Error)
      expect(flipped.message).toBe("bad")
    }),
  )

  it("a non-JSON error body still gives the status error, without an error object", () => {
    const error = statusError(
      { method: "GET", path: "/containers/c/files/f" },
      502,
      { "x-request-id": "req_1" },
      "<html>Bad Gateway</html>",
    )
    expect(error).toMatchObject({ _tag: "InternalServerError", status: 502, error: undefined })
    expect(error.message).toBe("502 Internal server error (GET /containers/c/files/f) [request req_1]")
  })

  it("an error body with missing or odd fields keeps what it can", () => {
    const error = statusError(call, 400, {}, errorBody({ message: "No", code: 3 }))
    expect(error.error).toEqual({ type: "unknown", message: "No", code: null, param: null })
    expect(statusError(call, 400, {}, JSON.stringify({ error: "nope" })).error).toBeUndefined()
    expect(statusError(call, 400, {}, "null").error).toBeUndefined()
  })

  it("fromStatus picks the class by status", () => {
    const fields = { ...call, requestId: undefined, error: undefined, headers: {} }
    expect(ContainersError.fromStatus({ ...fields, status: 404 })).toBeInstanceOf(
      ContainersError.NotFoundError,
    )
    expect(ContainersError.fromStatus({ ...fields, status: 599 })).toBeInstanceOf(
      ContainersError.InternalServerError,
    )
    expect(ContainersError.fromStatus({ ...fields, status: 302 })._tag).toBe("ApiError")
  })

  it("transport, timeout, decode and input errors read as sentences", () => {
    expect(
      new ContainersError.ConnectionError({ ...call, phase: "request", description: "ECONNRESET" }).message,
    ).toBe("Connection failed: ECONNRESET (GET /containers/cntr_1/files/cfile_1)")
    expect(
      new ContainersError.TimeoutError({ ...call, timeout: Duration.millis(10), phase: "response" }).message,
    ).toBe("No response within 10ms (GET /containers/cntr_1/files/cfile_1)")
    expect(
      new ContainersError.TimeoutError({ ...call, timeout: Duration.minutes(10), phase: "idle" }).message,
    ).toBe("No bytes received for 10m (GET /containers/cntr_1/files/cfile_1)")
    expect(
      new ContainersError.ResponseDecodeError({
        ...call,
        status: 200,
        requestId: "req_9",
        reason: "SchemaMismatch",
        issue: "Missing key",
      }).message,
    ).toBe(
      "Could not decode the 200 response of GET /containers/cntr_1/files/cfile_1 [request req_9]: Missing key",
    )
    expect(new ContainersError.InvalidRequestError({ message: "limit is 0" }).message).toBe("limit is 0")
  })

  it("a content deadline reads as a sentence too", () => {
    expect(
      new ContainersError.TimeoutError({ ...call, timeout: Duration.seconds(90), phase: "deadline" }).message,
    ).toBe("The content did not arrive in full within 1m 30s (GET /containers/cntr_1/files/cfile_1)")
  })

  it("a redirect's ApiError says it was not followed, quoting Location up to 300 characters", () => {
    const path = "(GET /containers/cntr_1/files/cfile_1)"
    const redirect = (status: number, headers: Record<string, string>) =>
      statusError(call, status, { "x-request-id": "req_1", ...headers }, "")
    expect(redirect(307, { location: "https://elsewhere.test/v1/x" }).message).toBe(
      `307 Redirect to https://elsewhere.test/v1/x not followed: API calls never follow redirects ${path} [request req_1]`,
    )
    expect(redirect(302, {}).message).toBe(
      `302 Redirect not followed: API calls never follow redirects ${path} [request req_1]`,
    )
    const long = `https://elsewhere.test/${"a".repeat(400)}`
    const cut = redirect(301, { location: long })
    expect(cut.message).toContain(`Redirect to ${long.slice(0, 300)}… not followed`)
    expect(cut._tag === "ApiError" && cut.headers.location).toBe(long)
    expect(redirect(0, {}).message).toBe(
      "0 Redirect refused: API calls never follow redirects (the browser hides a redirect's status and " +
        `Location) ${path} [request req_1]`,
    )
    // 304 is no redirect, nor any other status outside 3xx: the API's message, or the label.
    expect(redirect(304, {}).message).toBe(`304 Unexpected status ${path} [request req_1]`)
    expect(
      statusError(call, 418, {}, JSON.stringify({ error: { message: "I'm a teapot", type: "x" } })).message,
    ).toBe(`418 I'm a teapot ${path}`)
  })

  it("withNote says why a retryable failure was not retried, and keeps the class", () => {
    const error = withNote(statusError(call, 503, {}, ""), "the request body is a one-shot stream")
    expect(error).toBeInstanceOf(ContainersError.InternalServerError)
    expect(error).toMatchObject({ status: 503, notRetried: "the request body is a one-shot stream" })
    expect(error.message).toBe(
      "503 Internal server error (GET /containers/cntr_1/files/cfile_1) (not retried: the request body is a one-shot stream)",
    )
    const connection = withNote(
      new ContainersError.ConnectionError({ ...call, phase: "request", description: "reset" }),
      "x",
    )
    expect(connection.message).toContain("(not retried: x)")
    const invalid = new ContainersError.InvalidRequestError({ message: "bad" })
    expect(withNote(invalid, "x")).toBe(invalid)
  })

  it("a rebuilt error keeps its cause and every other field", () => {
    const cause = new Error("ECONNRESET")
    const error = withNote(
      new ContainersError.ConnectionError({ ...call, phase: "request", description: "reset", cause }),
      "x",
    )
    expect(error).toBeInstanceOf(ContainersError.ConnectionError)
    expect(error).toMatchObject({ ...call, description: "reset", notRetried: "x" })
    expect("cause" in error && error.cause).toBe(cause)
  })

  it("isContainersError refuses other values", () => {
    for (const value of [undefined, null, "NotFoundError", { _tag: "Other" }, new Error("x")]) {
      expect(ContainersError.isContainersError(value)).toBe(false)
    }
    expect(ContainersError.isContainersError({ _tag: "NotFoundError" })).toBe(true)
  })
})

describe("ResponseDecodeError from a schema issue", () => {
  const file = {
    id: "cfile_1",
    object: "container.file",
    container_id: "cntr_1",
    created_at: 1747848842,
    bytes: 880,
    path: "/mnt/data/report.csv",
    source: "user",
  }
  const decodeError = (body: unknown) => {
    const result = Schema.decodeUnknownResult(Models.ContainerFile)(body)
    if (result._tag === "Success") throw new Error("expected a decode failure")
    const { issue, cause } = describeSchemaError(result.failure)
    return new ContainersError.ResponseDecodeError({
      ...call,
      status: 200,
      requestId: "req_9",
      reason: "SchemaMismatch",
      issue,
      cause,
    })
  }

  it("a body missing a required field names the field", () => {
    const { bytes: _, ...partial } = file
    const error = decodeError(partial)
    expect(error).toMatchObject({ _tag: "ResponseDecodeError", reason: "SchemaMismatch", requestId: "req_9" })
    expect(error.message).toContain('["bytes"]')
    expect(error.message).toContain("Missing key")
    expect(Schema.isSchemaError(error.cause)).toBe(true)
  })

  it("a field of the wrong type names the field and the type, not the value", () => {
    const error = decodeError({ ...file, bytes: "SECRET-880" })
    expect(error.issue).toContain('["bytes"]')
    expect(error.issue).toContain("Expected number")
    expect(error.message).not.toContain("SECRET")
    expect(inspect(error, { depth: 20 })).not.toContain("SECRET")
  })
})

describe("the API key never leaks", () => {
  const apiKey = "sk-SECRET-key"
  const options = { apiKey: Option.some(Redacted.make(apiKey)), headers: {} }
  const echoed = `Incorrect API key provided: ${apiKey}`

  const cases: ReadonlyArray<[string, ContainersError.ContainersError]> = [
    [
      "401 echoing the key in the error object",
      statusError(call, 401, {}, errorBody({ ...apiError, message: echoed, param: apiKey })),
    ],
    [
      "a header echoing the key",
      statusError(call, 400, { "x-echo": `Bearer ${apiKey}`, authorization: apiKey }, ""),
    ],
    [
      "a decode issue quoting the key",
      new ContainersError.ResponseDecodeError({
        ...call,
        status: 200,
        requestId: undefined,
        reason: "SchemaMismatch",
        issue: echoed,
        cause: new Error(echoed),
      }),
    ],
    ["a 500 without the key", statusError(call, 500, {}, "oops")],
  ]

  const renderings = (error: ContainersError.ContainersError) => [
    error.message,
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 20, showHidden: true }),
    Cause.pretty(Cause.fail(error)),
    error.stack ?? "",
  ]

  for (const [name, raw] of cases) {
    it.effect(`${name}: not in the error, its renderings or logs`, () =>
      Effect.gen(function* () {
        const error = hideKey(options, raw)
        expect(ContainersError.isContainersError(error)).toBe(true)
        expect(error._tag).toBe(raw._tag)
        const logs: Array<string> = []
        const logger = Logger.make(({ message, cause }) => {
          logs.push(`${inspect(message, { depth: 10 })} ${Cause.pretty(cause)}`)
        })
        yield* Effect.logDebug("request failed", error).pipe(
          Effect.annotateLogs("error", error),
          Effect.andThen(Effect.logError(Cause.fail(error))),
          Effect.provide(Logger.layer([logger])),
          Effect.provideService(References.MinimumLogLevel, "All"),
        )
        expect(logs).toHaveLength(2)
        for (const text of [...renderings(error), ...logs]) expect(text).not.toContain("SECRET")
      }),
    )
  }

  it("hideKey drops a decode error's cause, which quotes the same text", () => {
    const error = hideKey(options, cases[2]![1])
    expect(error).toMatchObject({
      _tag: "ResponseDecodeError",
      issue: "Incorrect API key provided: <redacted>",
    })
    expect("cause" in error ? error.cause : "none").toBeUndefined()
  })

  it("hideKey returns the error itself when there is nothing to hide", () => {
    const error = cases[3]![1]
    expect(hideKey(options, error)).toBe(error)
    expect(hideKey({ apiKey: Option.none(), headers: {} }, cases[0]![1])).toBe(cases[0]![1])
  })
})
