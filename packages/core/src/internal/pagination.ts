/**
 * Cursor pagination as a stream of pages, with a bounded prefetch.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { ContainersClient } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"

/** What a list page must have for the walk. */
export interface Page {
  readonly data: ReadonlyArray<{ readonly id: string }>
  readonly has_more: boolean
  readonly last_id?: string | undefined
}

/** The cursor after a page, or none when it was the last. */
const nextCursor = (page: Page): Option.Option<string> => {
  if (!page.has_more || page.data.length === 0) return Option.none()
  return Option.some(page.last_id ?? page.data[page.data.length - 1]!.id)
}

/**
 * Walks the pages from `after`. Each page request runs the full retry policy, so a failed
 * page is fetched again with the same cursor: nothing is lost or repeated. With
 * `pagePrefetch` n > 0 a producer fiber keeps up to n pages ready while the consumer works.
 */
export const pages = <P extends Page, R>(
  after: string | undefined,
  fetchPage: (after: string | undefined) => Effect.Effect<P, ContainersError, R>,
): Stream.Stream<P, ContainersError, R | ContainersClient> =>
  Stream.unwrap(
    Effect.map(ContainersClient, ({ options }) => {
      const walk = Stream.paginateEffect(after, (cursor) =>
        Effect.map(fetchPage(cursor), (page) => [page, nextCursor(page)] as const),
      )
      return options.pagePrefetch > 0 ? Stream.buffer(walk, { capacity: options.pagePrefetch }) : walk
    }),
  )
