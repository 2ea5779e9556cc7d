/**
 * An idle timeout for a byte stream that costs one fiber per stream, not per chunk.
 *
 * `Stream.timeoutFail` races every pull against a timer (two forked fibers and a timer per
 * chunk); on a 64 KiB-chunk download that cut throughput to about a third. Here one producer
 * fiber pulls the source into a one-slot mailbox and one watchdog fiber sleeps until the
 * current wait for the source could reach the timeout. The mailbox is two callbacks rather
 * than a `Queue`: the hand-off happens once per chunk, and a `Queue` there cost a third of the
 * download's throughput.
 */
import type * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

type Pulled<A, E> = Exit.Exit<Chunk.Chunk<A>, Option.Option<E>>

/**
 * Fails with `onIdle()` when the source has been asked for bytes and sent none for `timeout`.
 * The source is read one chunk ahead of the consumer; time the consumer spends on a chunk
 * while that read-ahead chunk waits does not count as idle.
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
      // The chunk (or end, or failure) read ahead, not yet taken.
      let slot: Pulled<A, E | E2> | undefined
      // Set once by the watchdog; handed out after the slot is empty.
      let idleFailure: Pulled<A, E | E2> | undefined
      // The consumer waiting for a chunk, or the producer waiting for the slot to empty.
      let taker: ((pulled: Pulled<A, E | E2>) => void) | undefined
      let putter: (() => void) | undefined
      // When the producer started waiting for the source; -1 while it is not waiting.
      let waitingSince = -1

      const put = (pulled: Pulled<A, E | E2>) =>
        Effect.async<void>((resume) => {
          if (taker !== undefined) {
            const waiting = taker
            taker = undefined
            waiting(pulled)
            return resume(Effect.void)
          }
          if (slot === undefined) {
            slot = pulled
            return resume(Effect.void)
          }
          putter = () => {
            slot = pulled
            resume(Effect.void)
          }
          return Effect.sync(() => {
            putter = undefined
          })
        })

      const take = Effect.flatten(
        Effect.async<Pulled<A, E | E2>>((resume) => {
          if (slot !== undefined) {
            const pulled = slot
            slot = undefined
            const waiting = putter
            putter = undefined
            waiting?.()
            return resume(Effect.succeed(pulled))
          }
          if (idleFailure !== undefined) return resume(Effect.succeed(idleFailure))
          taker = (pulled) => resume(Effect.succeed(pulled))
          return Effect.sync(() => {
            taker = undefined
          })
        }),
      )

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
        if (waitingSince < 0) return Effect.zipRight(Effect.sleep(millis), watch)
        const idle = clock.unsafeCurrentTimeMillis() - waitingSince
        if (idle < millis) return Effect.zipRight(Effect.sleep(millis - idle), watch)
        idleFailure = Exit.fail(Option.some(onIdle()))
        if (taker !== undefined) {
          const waiting = taker
          taker = undefined
          waiting(idleFailure)
        }
        return Effect.void
      })

      yield* Effect.forkScoped(produce)
      yield* Effect.forkScoped(watch)
      return Stream.repeatEffectChunkOption(take)
    }),
  )
