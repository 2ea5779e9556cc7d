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
 * same cursor: nothing is lost or repeated. With `pagePrefetch` n > 0 a producer fiber keeps up
 * to n pages ready, and it asks for the next page as soon as a body is parsed: the schema
 * check runs on the consumer's side, while the server answers.
 */
export const pages = <A, I, R>(
  endpoint: Effect.Effect<Request.Endpoint, ContainersError, R>,
  schema: Schema.Schema<A, I>,
): Stream.Stream<A, ContainersError, R | ContainersClient> =>
  Stream.unwrap(
    Effect.zipWith(ContainersClient, endpoint, ({ options }, first) => {
      const page = (after: string | undefined) =>
        Request.parsed(after === undefined ? first : { ...first, query: { ...first.query, after } }, schema)
      const walk = Stream.paginateEffect(undefined as string | undefined, (cursor) =>
        Effect.map(page(cursor), (parsed) => [parsed.decode, nextCursor(parsed.raw)] as const),
      )
      if (options.pagePrefetch <= 0) return Stream.mapEffect(walk, (decode) => decode)
      // The check waits for a later turn of the event loop. Run in the turn the page arrived in,
      // it held back the next page's request, which a transport may write only on a later turn
      // (undici does on a reused connection). The consumer is behind the producer: no cost.
      return Stream.mapEffect(Stream.buffer(walk, { capacity: options.pagePrefetch }), (decode) =>
        Effect.zipRight(Effect.sleep(0), decode),
      )
    }),
  )
