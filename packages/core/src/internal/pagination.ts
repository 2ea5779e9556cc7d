/**
 * Cursor pagination as a stream of pages, with a bounded prefetch.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ContainersClient } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"
import * as Request from "./request.js"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

/**
 * The cursor after a page, read from its raw JSON, or none when it was the last. For a page
 * that decodes, this is what the decoded page says (`last_id`, else the last item's id); for
 * one that does not, the walk fails on its decode before anything of it is emitted.
 */
const nextCursor = (raw: unknown): Option.Option<string> => {
  if (!isRecord(raw) || raw.has_more !== true || !Array.isArray(raw.data) || raw.data.length === 0) {
    return Option.none()
  }
  if (typeof raw.last_id === "string") return Option.some(raw.last_id)
  const last: unknown = raw.data[raw.data.length - 1]
  return isRecord(last) && typeof last.id === "string" ? Option.some(last.id) : Option.none()
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
 */
export const pages = <A, I, R>(
  endpoint: Effect.Effect<Request.Endpoint, ContainersError, R>,
  schema: Schema.Schema<A, I>,
): Stream.Stream<A, ContainersError, R | ContainersClient> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const { options } = yield* ContainersClient
      const first = yield* endpoint
      const walk = Stream.paginateEffect(undefined as string | undefined, (after) =>
        Effect.map(
          Request.parsed(
            after === undefined ? first : { ...first, query: { ...first.query, after } },
            schema,
          ),
          (parsed) => [parsed.decode, nextCursor(parsed.raw)] as const,
        ),
      )
      const ahead = options.pagePrefetch > 0 ? Stream.buffer(walk, { capacity: options.pagePrefetch }) : walk
      return Stream.mapEffect(ahead, (decode) => decode)
    }),
  )
