/**
 * Cursor pagination as a stream of pages, with a bounded prefetch.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { ContainersClient } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"
import type { Parsed } from "./request.js"

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
 * Walks the pages from `after`. Each page request runs the full retry policy, so a failed
 * page is fetched again with the same cursor: nothing is lost or repeated. With `pagePrefetch`
 * n > 0 a producer fiber keeps up to n pages ready, and it asks for the next page as soon as a
 * body is parsed: the schema check runs on the consumer's side, while the server answers.
 */
export const pages = <P, R>(
  after: string | undefined,
  fetchPage: (after: string | undefined) => Effect.Effect<Parsed<P>, ContainersError, R>,
): Stream.Stream<P, ContainersError, R | ContainersClient> =>
  Stream.unwrap(
    Effect.map(ContainersClient, ({ options }) => {
      const walk = Stream.paginateEffect(after, (cursor) =>
        Effect.map(fetchPage(cursor), (page) => [page.decode, nextCursor(page.raw)] as const),
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
