import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Models } from "../src/index.js"
import { checkQuery, encodeId, validate } from "../src/internal/input.js"

describe("encodeId", () => {
  it.effect("percent-encodes an id as one path segment", () =>
    Effect.gen(function* () {
      expect(yield* encodeId("fileId", "cfile_1")).toBe("cfile_1")
      expect(yield* encodeId("fileId", "a/b?c#d%e f")).toBe("a%2Fb%3Fc%23d%25e%20f")
      expect(yield* encodeId("fileId", "..."), "three dots are a name").toBe("...")
    }),
  )

  it.effect("refuses empty, dot segments, non-strings and lone surrogates", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<[unknown, string]> = [
        ["", "containerId must be a non-empty string"],
        [42, "containerId must be a non-empty string"],
        [".", 'containerId cannot be "."'],
        ["..", 'containerId cannot be ".."'],
        ["a\uD800b", "containerId is not valid Unicode"],
      ]
      for (const [id, message] of cases) {
        const error = yield* Effect.flip(encodeId("containerId", id))
        expect(error).toMatchObject({ _tag: "InvalidRequestError", message })
      }
    }),
  )
})

describe("validate", () => {
  const listParams = validate(Models.ContainerListParams, "list parameters")
  const createParams = validate(Models.CreateContainerParams, "container parameters")

  it.effect("passes valid input through unchanged", () =>
    Effect.gen(function* () {
      const params = { limit: 100, order: "desc" as const, after: "cntr_1", name: "n" }
      expect(yield* listParams(params)).toEqual(params)
    }),
  )

  it.effect("describes invalid parameters field by field, quoting the value", () =>
    Effect.gen(function* () {
      const limit = yield* Effect.flip(listParams({ limit: 500 }))
      expect(limit.message).toBe(
        "Invalid list parameters: limit: Expected a value between 1 and 100, got 500",
      )
      const both = yield* Effect.flip(listParams({ limit: 1.5, order: "up" as never }))
      expect(both.message).toBe(
        'Invalid list parameters: limit: Expected an integer, got 1.5; order: Expected "asc" | "desc", got "up"',
      )
      const memory = yield* Effect.flip(createParams({ name: "x", memory_limit: "2g" as never }))
      expect(memory.message).toBe(
        'Invalid container parameters: memory_limit: Expected "1g" | "4g" | "16g" | "64g", got "2g"',
      )
      const nameless = yield* Effect.flip(createParams({} as Models.CreateContainerParams))
      expect(nameless.message).toBe("Invalid container parameters: name: Missing key")
    }),
  )

  const bad: ReadonlyArray<[string, unknown]> = [
    ["an unknown memory limit", { name: "x", memory_limit: "2g" }],
    ["an empty allowlist", { name: "x", network_policy: { type: "allowlist", allowed_domains: [] } }],
    ["an unknown network policy", { name: "x", network_policy: { type: "open" } }],
    ["no name", {}],
    ["zero minutes", { name: "x", expires_after: { anchor: "last_active_at", minutes: 0 } }],
    ["a long skill id", { name: "x", skills: [{ type: "skill_reference", skill_id: "s".repeat(65) }] }],
  ]
  for (const [name, params] of bad) {
    it.effect(`refuses ${name}`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(createParams(params as Models.CreateContainerParams))
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toMatch(/^Invalid container parameters: /)
      }),
    )
  }

  it.effect("a huge value is quoted only in part, a secret not at all", () =>
    Effect.gen(function* () {
      const huge = yield* Effect.flip(
        createParams({ name: "x", skills: [{ type: "skill_reference", skill_id: "s".repeat(100_000) }] }),
      )
      expect(huge.message.length).toBeLessThan(500)
      expect(huge.message).toContain("more characters")
      const secret = yield* Effect.flip(
        createParams({
          name: "x",
          network_policy: {
            type: "allowlist",
            allowed_domains: ["a.example"],
            domain_secrets: [{ domain: "", name: "T", value: Redacted.make("s3cr3t") }],
          },
        }),
      )
      expect(secret.message).toContain("network_policy.domain_secrets.0.domain")
      expect(secret.message).not.toContain("s3cr3t")
    }),
  )
})

describe("checkQuery", () => {
  it.effect("refuses a lone surrogate, accepts the rest", () =>
    Effect.gen(function* () {
      yield* checkQuery({ after: "cfile_😀", limit: 10, order: undefined })
      yield* checkQuery(undefined)
      const error = yield* Effect.flip(checkQuery({ name: "a\uDC00" }))
      expect(error.message).toBe("Query parameter name is not valid Unicode")
    }),
  )
})
