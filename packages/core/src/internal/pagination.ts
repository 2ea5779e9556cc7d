/**
 * Cursor pagination as a stream of pages, with a bounded prefetch.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
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

// Node's setImmediate, where there is one: undici writes a request to a reused keep-alive
// connection only in a callback queued that way.
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate
const cancelImmediate = (globalThis as { clearImmediate?: (handle: unknown) => void }).clearImmediate

/**
 * Waits until callbacks queued by `setImmediate` so far have run, so a request just made is
 * written before this fiber goes on. Without `setImmediate` (browsers' `fetch` does not defer
 * the write that way) it does not wait.
 */
const afterQueuedWrites: Effect.Effect<void> =
  immediate === undefined || cancelImmediate === undefined
    ? Effect.void
    : Effect.async<void>((resume) => {
        const handle = immediate(() => resume(Effect.void))
        return Effect.sync(() => cancelImmediate(handle))
      })

/**
 * Walks the pages of `endpoint` (its query's `after`, if any, is where the walk starts). The
 * endpoint is built and its parameters checked once; each later page only changes `after`.
 * Each page request runs the full retry policy, so a failed page is fetched again with the
 * same cursor: nothing is lost or repeated.
 *
 * With `pagePrefetch` n > 0 the next page is asked for as soon as a page's body is parsed,
 * before that page is handed on, and the walk goes on while the consumer works: up to n pages
 * wait in a buffer, one more waits for room, and the next one's request is in flight. The
 * schema check runs on the consumer's side, overlapping the server's answer.
 */
export const pages = <A, I, R>(
  endpoint: Effect.Effect<Request.Endpoint, ContainersError, R>,
  schema: Schema.Schema<A, I>,
): Stream.Stream<A, ContainersError, R | ContainersClient> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const { options } = yield* ContainersClient
      const first = yield* endpoint
      const page = (after: string | undefined) =>
        Request.parsed(after === undefined ? first : { ...first, query: { ...first.query, after } }, schema)
      if (options.pagePrefetch <= 0) {
        return Stream.paginateEffect(undefined as string | undefined, (cursor) =>
          Effect.flatMap(page(cursor), (parsed) =>
            Effect.map(parsed.decode, (items) => [items, nextCursor(parsed.raw)] as const),
          ),
        )
      }
      // The page in flight: started at once, on this stack, so its request is made before the
      // page before it is handed on; interrupted if the stream ends first.
      const runtime = yield* Effect.runtime<R | ContainersClient>()
      let inflight: Fiber.RuntimeFiber<Request.Parsed<A>, ContainersError> | undefined
      yield* Effect.addFinalizer(() => (inflight === undefined ? Effect.void : Fiber.interrupt(inflight)))
      const ahead = (after: string | undefined) => {
        inflight = Runtime.runFork(runtime)(page(after))
        return inflight
      }
      const walk = Stream.paginateEffect(ahead(undefined), (current) =>
        // `await`, not `join`: joining would merge the page fiber's fiber refs into this one.
        Effect.flatMap(Effect.flatten(Fiber.await(current)), (parsed) => {
          const after = nextCursor(parsed.raw)
          if (Option.isNone(after)) return Effect.succeed([parsed.decode, Option.none()] as const)
          const next = ahead(after.value)
          // Hand this page on (its check, the consumer's work) only once the next request is
          // on the wire: run in this turn, they would run ahead of the write.
          return Effect.as(afterQueuedWrites, [parsed.decode, Option.some(next)] as const)
        }),
      )
      // The buffer lets the walk go on while the consumer is busy; the check runs on the
      // consumer's side.
      return Stream.mapEffect(Stream.buffer(walk, { capacity: options.pagePrefetch }), (decode) => decode)
    }),
  )
