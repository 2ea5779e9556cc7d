/** Cursor pagination as a stream of pages, with a bounded prefetch. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ContainersClient } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"
import * as Request from "./request.js"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

/** The cursor after a page, from its raw JSON (`last_id`, else the last item's id), if not the last. */
const nextCursor = (raw: unknown): Option.Option<string> => {
  if (!isRecord(raw) || raw.has_more !== true || !Array.isArray(raw.data) || raw.data.length === 0) {
    return Option.none()
  }
  if (typeof raw.last_id === "string") return Option.some(raw.last_id)
  const last: unknown = raw.data[raw.data.length - 1]
  return isRecord(last) && typeof last.id === "string" ? Option.some(last.id) : Option.none()
}

/**
 * Walks the pages of `endpoint` from its `after`, each request retried with the same cursor. With
 * `pagePrefetch` n > 0 it runs n pages ahead; each page's schema check runs on the consumer's side.
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
