/**
 * An idle timeout for a byte stream that costs one fiber per stream, not per chunk.
 *
 * `Stream.timeoutFail` races every pull against a timer (two forked fibers and a timer per
 * chunk); on a 64 KiB-chunk download that cut throughput to about a third. Here one producer
 * fiber pulls the source into a one-slot queue and one watchdog fiber sleeps until the
 * current wait for the source could reach the timeout.
 */
import type * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"

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
      const queue = yield* Queue.bounded<Exit.Exit<Chunk.Chunk<A>, Option.Option<E | E2>>>(1)
      // When the producer started waiting for the source; -1 while it is not waiting.
      let waitingSince = -1
      const produce: Effect.Effect<void, never, R> = Effect.suspend(() => {
        waitingSince = clock.unsafeCurrentTimeMillis()
        return Effect.exit(pull)
      }).pipe(
        Effect.flatMap((exit) => {
          waitingSince = -1
          return Effect.zipRight(Queue.offer(queue, exit), Exit.isSuccess(exit) ? produce : Effect.void)
        }),
      )
      const watch: Effect.Effect<void> = Effect.suspend(() => {
        if (waitingSince < 0) return Effect.zipRight(Effect.sleep(millis), watch)
        const idle = clock.unsafeCurrentTimeMillis() - waitingSince
        return idle >= millis
          ? Queue.offer(queue, Exit.fail(Option.some(onIdle())))
          : Effect.zipRight(Effect.sleep(millis - idle), watch)
      })
      yield* Effect.forkScoped(produce)
      yield* Effect.forkScoped(watch)
      return Stream.repeatEffectChunkOption(Effect.flatten(Queue.take(queue)))
    }),
  )
