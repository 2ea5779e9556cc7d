/**
 * Cursor pagination as a stream of pages, with a bounded prefetch.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ContainersClient } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"
import * as Request from "./request.js"

/**
 * The cursor after a page, read from its raw JSON, or none when it was the last. For a page
 * that decodes, this is what the decoded page says (`last_id`, else the last item's id); for
 * one that does not, the walk fails on its decode before anything of it is emitted.
 */
const nextCursor = (raw: unknown): Option.Option<string> => {
  if (
    !Predicate.isObject(raw) ||
    raw.has_more !== true ||
    !Array.isArray(raw.data) ||
    raw.data.length === 0
  ) {
    return Option.none()
  }
  if (typeof raw.last_id === "string") return Option.some(raw.last_id)
  const last: unknown = raw.data[raw.data.length - 1]
  return Predicate.isObject(last) && typeof last.id === "string" ? Option.some(last.id) : Option.none()
}

/**
 * Walks the pages of `endpoint` (its query's `after`, if any, is where the walk starts). The
 * endpoint is built and its parameters checked once; each later page only changes `after`.
 * Each page request runs the full retry policy, so a failed page is fetched again with the
 * same cursor: nothing is lost or repeated.
 *
 * With `pagePrefetch` n > 0 the walk runs in its own fiber behind a buffer of n pages: the
 * next request goes out as soon as a page's body is parsed, while the consumer works. The
 * schema check of each page runs on the consumer's side, beside the next page's request.
 *
 * Each page is its own one-element chunk, and `Stream.bufferArray` queues chunks and hands
 * them out one at a time. (`Stream.buffer` queues elements but hands out all that wait at
 * once, so up to 2n + 1 pages would be held instead of n + 2.)
 */
export const pages = <A, R>(
  endpoint: Effect.Effect<Request.Endpoint, ContainersError, R>,
  schema: Schema.Decoder<A>,
): Stream.Stream<A, ContainersError, R | ContainersClient> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const first = yield* endpoint
      const { options, invalid } = yield* ContainersClient
      if (Option.isSome(invalid)) return Stream.fail(invalid.value)
      const walk = Stream.paginate(undefined as string | undefined, (after) =>
        Effect.map(
          Request.parsed(
            after === undefined ? first : { ...first, query: { ...first.query, after } },
            schema,
          ),
          (parsed) => [[parsed.decode], nextCursor(parsed.raw)] as const,
        ),
      )
      const ahead =
        options.pagePrefetch > 0 ? Stream.bufferArray(walk, { capacity: options.pagePrefetch }) : walk
      return Stream.mapEffect(ahead, (decode) => decode)
    }),
  )
