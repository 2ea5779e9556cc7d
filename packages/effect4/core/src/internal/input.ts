/**
 * Input checks that run before anything is sent: ids as path segments, parameters against
 * their schemas, query values.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
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

const issues = SchemaIssue.makeFormatterStandardSchemaV1()

/** The longest message quoted for one field: `got …` quotes the value, which may be a 70 MB skill. */
const maxFieldMessage = 300

const bounded = (text: string) =>
  text.length <= maxFieldMessage
    ? text
    : `${text.slice(0, maxFieldMessage)}… (${text.length - maxFieldMessage} more characters)`

/**
 * Checks user input against a schema's type, failing with `InvalidRequestError` in words, one
 * `field: message` per field (`limit: Expected a value between 1 and 100, got 500`). Redacted
 * values show as `<redacted>`.
 */
export const validate = <S extends Schema.Top>(
  schema: S,
  what: string,
): ((input: S["Type"]) => Effect.Effect<S["Type"], InvalidRequestError>) => {
  const check = Schema.decodeUnknownEffect(Schema.toType(schema))
  return (input) =>
    check(input, { errors: "all", reportInput: true }).pipe(
      Effect.mapError((error) => {
        const byField = new Map<string, Array<string>>()
        for (const issue of issues(error.issue).issues) {
          const field = (issue.path ?? [])
            .map((key) => String(typeof key === "object" ? key.key : key))
            .join(".")
          byField.set(field, [...(byField.get(field) ?? []), bounded(issue.message)])
        }
        const lines = Array.from(byField, ([field, messages]) => {
          const text = Array.from(new Set(messages)).join("; ")
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
