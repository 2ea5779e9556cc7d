/**
 * Input checks that run before anything is sent: ids as path segments, parameters against
 * their schemas.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidRequestError } from "../ContainersError.js"

/**
 * Encodes an id as one path segment. Empty, `.` and `..` would change the path's meaning, so
 * they are refused; everything else is percent-encoded (`/`, `?`, `#`, `%` included).
 */
export const encodeId = (what: string, id: unknown): Effect.Effect<string, InvalidRequestError> => {
  if (typeof id !== "string" || id.length === 0) {
    return Effect.fail(new InvalidRequestError({ message: `${what} must be a non-empty string` }))
  }
  if (id === "." || id === "..") {
    return Effect.fail(new InvalidRequestError({ message: `${what} cannot be "${id}"` }))
  }
  try {
    return Effect.succeed(encodeURIComponent(id))
  } catch {
    // encodeURIComponent throws on a lone UTF-16 surrogate, which no URL can carry.
    return Effect.fail(new InvalidRequestError({ message: `${what} is not valid Unicode` }))
  }
}

/**
 * Folds a field's issues into one line. A union reports one issue per member ("Expected "1g",
 * actual "2g"", "Expected "4g", ..."): those merge into `Expected "1g" | "4g", actual "2g"`; the
 * `undefined` member of an optional field is noise and is dropped.
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
    check(input).pipe(
      Effect.mapError((error) => {
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
      }),
    )
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
