/** Input checks that run before anything is sent: ids as path segments, parameters by schema. */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidRequestError } from "../ContainersError.js"

/** Encodes an id as one path segment; empty, `.` and `..` would change the path, so are refused. */
export const encodeId = (what: string, id: unknown): Effect.Effect<string, InvalidRequestError> => {
  const invalid = (problem: string) => Effect.fail(new InvalidRequestError({ message: `${what} ${problem}` }))
  if (typeof id !== "string" || id.length === 0) return invalid("must be a non-empty string")
  if (id === "." || id === "..") return invalid(`cannot be "${id}"`)
  try {
    return Effect.succeed(encodeURIComponent(id))
  } catch {
    // encodeURIComponent throws on a lone UTF-16 surrogate, which no URL can carry.
    return invalid("is not valid Unicode")
  }
}

/** A container's path (or its file's), the ids encoded as segments and named as span attributes. */
export const resource = (containerId: string, fileId?: string) => {
  const attributes: Record<string, string> = { "openai.container_id": containerId }
  if (fileId !== undefined) attributes["openai.file_id"] = fileId
  return Effect.zipWith(
    encodeId("container id", containerId),
    fileId === undefined ? Effect.succeed("") : Effect.map(encodeId("file id", fileId), (f) => `/files/${f}`),
    (c, file) => ({ path: `/containers/${c}${file}`, attributes }),
  )
}

/**
 * Folds a field's issues into one line: a union's per-member issues merge into `Expected "1g" |
 * "4g", actual "2g"`, and the `undefined` member of an optional field is dropped as noise.
 */
const describeField = (messages: ReadonlyArray<string>): string => {
  const useful = messages.filter((m) => !m.startsWith("Expected undefined,"))
  const kept = useful.length === 0 ? messages : useful
  const parsed = kept.map((m) => /^Expected (.*), actual (.*)$/s.exec(m))
  const first = parsed[0]
  if (kept.length > 1 && first && parsed.every((p) => p !== null && p[2] === first[2])) {
    return `Expected ${parsed.map((p) => p![1]).join(" | ")}, actual ${first[2]}`
  }
  return Array.from(new Set(kept)).join("; ")
}

/** Checks user input against a schema, failing with `InvalidRequestError` in words. */
export const validate = <A, I>(
  schema: Schema.Schema<A, I>,
  what: string,
): ((input: A) => Effect.Effect<A, InvalidRequestError>) => {
  const check = Schema.validate(schema)
  return (input) =>
    Effect.mapError(check(input), (error) => {
      const byField = new Map<string, Array<string>>()
      for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
        const field = issue.path.join(".")
        byField.set(field, [...(byField.get(field) ?? []), issue.message])
      }
      const lines = Array.from(byField, ([field, messages]) => {
        const text = describeField(messages)
        return field === "" ? text : `${field}: ${text}`
      })
      return new InvalidRequestError({ message: `Invalid ${what}: ${lines.join("; ")}` })
    })
}

// URL encoding turns a lone UTF-16 surrogate into U+FFFD: the server would get another value.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Refuses query values no URL can carry as given. */
export const checkQuery = (
  query: Readonly<Record<string, string | number | undefined>> | undefined,
): Effect.Effect<void, InvalidRequestError> => {
  for (const name in query) {
    const value = query[name]
    if (typeof value === "string" && loneSurrogate.test(value)) {
      return Effect.fail(new InvalidRequestError({ message: `Query parameter ${name} is not valid Unicode` }))
    }
  }
  return Effect.void
}
