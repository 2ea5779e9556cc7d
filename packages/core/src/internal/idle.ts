/**
 * An idle timeout costing a fiber per stream, not per chunk (`Stream.timeoutFail` forks two fibers
 * and a timer per pull: a third of a download's throughput). A producer pulls into a one-slot
 * mailbox of two callbacks (a `Queue` cost as much); a watchdog sleeps until the wait could expire.
 */
import type * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

type Pulled<A, E> = Exit.Exit<Chunk.Chunk<A>, Option.Option<E>>

/**
 * Fails with `onIdle()` when the source was asked for bytes and sent none for `timeout`; time
 * the consumer spends while a chunk read ahead waits does not count.
 */
export const idleTimeout = <A, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  timeout: Duration.Duration,
  onIdle: () => E2,
): Stream.Stream<A, E | E2, R> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const millis = Duration.toMillis(timeout)
      const pull = yield* Stream.toPull(self)
      // The chunk (or end, or failure) read ahead; the idle failure is handed out after it.
      let slot: Pulled<A, E | E2> | undefined
      let idleFailure: Pulled<A, E | E2> | undefined
      // The consumer waiting for a chunk, or the producer waiting for the slot to empty.
      let taker: ((pulled: Pulled<A, E | E2>) => void) | undefined
      let putter: (() => void) | undefined
      // When the producer started waiting for the source; -1 while it is not waiting.
      let waitingSince = -1

      // Hands `pulled` to the waiting consumer, if there is one.
      const give = (pulled: Pulled<A, E | E2>): boolean => {
        const waiting = taker
        taker = undefined
        waiting?.(pulled)
        return waiting !== undefined
      }

      const put = (pulled: Pulled<A, E | E2>) =>
        Effect.async<void>((resume) => {
          const store = () => {
            slot = pulled
            resume(Effect.void)
          }
          if (give(pulled)) return resume(Effect.void)
          if (slot === undefined) return store()
          putter = store
          return Effect.sync(() => {
            putter = undefined
          })
        })

      // An `Exit` is an effect: the consumer is resumed with the pulled result itself.
      const take = Effect.async<Chunk.Chunk<A>, Option.Option<E | E2>>((resume) => {
        if (slot !== undefined) {
          const pulled = slot
          slot = undefined
          const waiting = putter
          putter = undefined
          waiting?.()
          return resume(pulled)
        }
        if (idleFailure !== undefined) return resume(idleFailure)
        taker = resume
        return Effect.sync(() => {
          taker = undefined
        })
      })

      const produce: Effect.Effect<void, never, R> = Effect.suspend(() => {
        waitingSince = clock.unsafeCurrentTimeMillis()
        return Effect.exit(pull)
      }).pipe(
        Effect.flatMap((pulled) => {
          waitingSince = -1
          return Effect.zipRight(put(pulled), Exit.isSuccess(pulled) ? produce : Effect.void)
        }),
      )

      const watch: Effect.Effect<void> = Effect.suspend(() => {
        const idle = waitingSince < 0 ? 0 : clock.unsafeCurrentTimeMillis() - waitingSince
        if (idle < millis) return Effect.zipRight(Effect.sleep(millis - idle), watch)
        idleFailure = Exit.fail(Option.some(onIdle()))
        give(idleFailure)
        return Effect.void
      })

      yield* Effect.forkScoped(produce)
      yield* Effect.forkScoped(watch)
      return Stream.repeatEffectChunkOption(take)
    }),
  )
