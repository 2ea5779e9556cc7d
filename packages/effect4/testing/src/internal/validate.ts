/**
 * Validation of query parameters and JSON bodies against the spec, failing with the 400 body
 * OpenAI sends (`param` names the offending field).
 */
import * as Effect from "effect/Effect"
import { type ApiFailure, invalidRequest, invalidType, invalidValue, missingParameter } from "./errors.js"
import type { ContainerJson, PageParams } from "./store.js"

type Query = Readonly<Record<string, string>>

/** @internal */
export const pageParams = (query: Query): Effect.Effect<PageParams, ApiFailure> =>
  Effect.gen(function* () {
    let limit = 20
    const rawLimit = query.limit
    if (rawLimit !== undefined) {
      if (!/^[+-]?\d+$/.test(rawLimit.trim())) {
        return yield* invalidRequest(
          `Invalid 'limit': expected an integer, but got '${rawLimit}' instead.`,
          "limit",
          "invalid_type",
        )
      }
      limit = Number(rawLimit)
      if (limit < 1) {
        return yield* invalidRequest(
          `Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`,
          "limit",
          "integer_below_min_value",
        )
      }
      if (limit > 100) {
        return yield* invalidRequest(
          `Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ${limit} instead.`,
          "limit",
          "integer_above_max_value",
        )
      }
    }
    const order = query.order ?? "desc"
    if (order !== "asc" && order !== "desc") return yield* invalidValue("order", order, ["asc", "desc"])
    return { limit, order, after: query.after }
  })

/** @internal */
export const unknownCursor = (after: string | undefined): ApiFailure =>
  invalidRequest(
    `Invalid 'after': no object with id '${after ?? ""}' to page after.`,
    "after",
    "invalid_value",
  )

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const rejectUnknown = (body: Readonly<Record<string, unknown>>, known: ReadonlyArray<string>) => {
  const extra = Object.keys(body).find((key) => !known.includes(key))
  return extra === undefined
    ? Effect.void
    : Effect.fail(
        invalidRequest(`Unrecognized request argument supplied: ${extra}`, extra, "unknown_parameter"),
      )
}

const object = (
  body: unknown,
  required: string,
): Effect.Effect<Readonly<Record<string, unknown>>, ApiFailure> =>
  body === undefined
    ? Effect.fail(missingParameter(required))
    : isObject(body)
      ? Effect.succeed(body)
      : Effect.fail(invalidRequest("Invalid request body: expected a JSON object.", null, "invalid_type"))

const memoryLimits = ["1g", "4g", "16g", "64g"] as const

/** The validated create-container body, with the spec's defaults applied. @internal */
export interface CreateContainer {
  readonly fields: Omit<ContainerJson, "id" | "object" | "created_at" | "last_active_at" | "status">
  readonly fileIds: ReadonlyArray<string>
}

/** @internal */
export const createContainer = (input: unknown): Effect.Effect<CreateContainer, ApiFailure> =>
  Effect.gen(function* () {
    const body = yield* object(input, "name")
    yield* rejectUnknown(body, [
      "name",
      "file_ids",
      "expires_after",
      "memory_limit",
      "network_policy",
      "skills",
    ])
    const name = body.name
    if (name === undefined) return yield* missingParameter("name")
    if (typeof name !== "string") return yield* invalidType("name", "a string", name)
    const memoryLimit = body.memory_limit ?? "1g"
    if (!memoryLimits.some((m) => m === memoryLimit)) {
      return yield* invalidValue("memory_limit", memoryLimit, memoryLimits)
    }
    const expiresAfter = yield* expires(body.expires_after)
    const networkPolicy = yield* network(body.network_policy)
    const fileIds = yield* stringArray("file_ids", body.file_ids ?? [])
    yield* skills(body.skills)
    return {
      fields: {
        name,
        expires_after: expiresAfter,
        memory_limit: String(memoryLimit),
        ...(networkPolicy === undefined ? {} : { network_policy: networkPolicy }),
      },
      fileIds,
    }
  })

const expires = (value: unknown): Effect.Effect<ContainerJson["expires_after"], ApiFailure> => {
  if (value === undefined) return Effect.succeed({ anchor: "last_active_at", minutes: 20 })
  if (!isObject(value)) return Effect.fail(invalidType("expires_after", "an object", value))
  if (value.anchor === undefined) return Effect.fail(missingParameter("expires_after.anchor"))
  if (value.anchor !== "last_active_at") {
    return Effect.fail(invalidValue("expires_after.anchor", value.anchor, ["last_active_at"]))
  }
  const minutes = value.minutes
  if (minutes === undefined) return Effect.fail(missingParameter("expires_after.minutes"))
  if (typeof minutes !== "number" || !Number.isInteger(minutes)) {
    return Effect.fail(invalidType("expires_after.minutes", "an integer", minutes))
  }
  if (minutes < 1) {
    return Effect.fail(
      invalidRequest(
        `Invalid 'expires_after.minutes': integer below minimum value. Expected a value >= 1, but got ${minutes} instead.`,
        "expires_after.minutes",
        "integer_below_min_value",
      ),
    )
  }
  if (minutes > 20) {
    return Effect.fail(
      invalidRequest(
        `Invalid 'expires_after.minutes': integer above maximum value. Expected a value <= 20, but got ${minutes} instead.`,
        "expires_after.minutes",
        "integer_above_max_value",
      ),
    )
  }
  return Effect.succeed({ anchor: "last_active_at", minutes })
}

const network = (value: unknown): Effect.Effect<ContainerJson["network_policy"], ApiFailure> =>
  Effect.gen(function* () {
    if (value === undefined) return undefined
    if (!isObject(value)) return yield* invalidType("network_policy", "an object", value)
    if (value.type === "disabled") return { type: "disabled" }
    if (value.type !== "allowlist") {
      return yield* invalidValue("network_policy.type", value.type, ["disabled", "allowlist"])
    }
    if (value.allowed_domains === undefined) return yield* missingParameter("network_policy.allowed_domains")
    const domains = yield* stringArray("network_policy.allowed_domains", value.allowed_domains)
    if (domains.length === 0) {
      return yield* invalidRequest(
        "Invalid 'network_policy.allowed_domains': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "network_policy.allowed_domains",
        "empty_array",
      )
    }
    // Domain secrets are accepted but, being secrets, never echoed back.
    return { type: "allowlist", allowed_domains: domains }
  })

const skills = (value: unknown): Effect.Effect<void, ApiFailure> => {
  if (value === undefined) return Effect.void
  if (!Array.isArray(value)) return Effect.fail(invalidType("skills", "an array", value))
  const items: ReadonlyArray<unknown> = value
  const index = items.findIndex((s) => !isObject(s) || (s.type !== "skill_reference" && s.type !== "inline"))
  if (index === -1) return Effect.void
  const bad = items[index]
  return Effect.fail(
    invalidValue(`skills[${index}].type`, isObject(bad) ? bad.type : bad, ["skill_reference", "inline"]),
  )
}

const stringArray = (param: string, value: unknown): Effect.Effect<ReadonlyArray<string>, ApiFailure> => {
  if (!Array.isArray(value)) return Effect.fail(invalidType(param, "an array", value))
  const items: ReadonlyArray<unknown> = value
  if (items.every((v): v is string => typeof v === "string")) return Effect.succeed(items)
  const index = items.findIndex((v) => typeof v !== "string")
  return Effect.fail(invalidType(`${param}[${index}]`, "a string", items[index]))
}

/** The JSON form of create-file: `{ file_id }`. @internal */
export const createFileJson = (input: unknown): Effect.Effect<string, ApiFailure> =>
  Effect.gen(function* () {
    const body = yield* object(input, "file_id")
    if (body.file !== undefined && body.file_id !== undefined) return yield* bothFileAndId
    if (body.file !== undefined) {
      return yield* invalidRequest("'file' must be uploaded as multipart/form-data.", "file", "invalid_type")
    }
    yield* rejectUnknown(body, ["file_id"])
    if (body.file_id === undefined) return yield* missingParameter("file_id")
    if (typeof body.file_id !== "string") return yield* invalidType("file_id", "a string", body.file_id)
    return body.file_id
  })

/** @internal */
export const bothFileAndId = invalidRequest(
  "Provide either 'file' or 'file_id', not both.",
  "file_id",
  "mutually_exclusive_parameters",
)

/** @internal */
export const neitherFileNorId = invalidRequest(
  "Missing required parameter: provide either 'file' (multipart upload) or 'file_id'.",
  "file",
  "missing_required_parameter",
)

/** @internal */
export const invalidFilePart = invalidRequest(
  "Invalid 'file': expected a file upload (a part with a filename), but got a text field.",
  "file",
  "invalid_type",
)
