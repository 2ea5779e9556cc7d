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

/** Checks user input against a schema, failing with `InvalidRequestError` in words. */
export const validate = <A, I>(
  schema: Schema.Schema<A, I>,
  what: string,
): ((input: A) => Effect.Effect<A, InvalidRequestError>) => {
  const check = Schema.validate(schema)
  return (input) =>
    check(input).pipe(
      Effect.mapError(
        (error) =>
          new InvalidRequestError({
            message: `Invalid ${what}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
          }),
      ),
    )
}
