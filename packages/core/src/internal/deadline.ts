/**
 * A per-attempt timeout that is cheaper than `Effect.timeoutFail`.
 *
 * `Effect.timeoutFail` races the effect against a sleep through `raceFibersWith`: two forked
 * fibers, a fiber-ref merge of the winner and a join of the loser on every request; CPU
 * profiles of sequential retrieves put it at a fifth of the client's time. Here the effect and
 * the timer each run in a daemon fiber watched by plain observers. Fiber-ref changes made
 * inside `self` are not merged back, which no caller in this package relies on.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

/**
 * `self`, or `onTimeout()` as a failure once `duration` has passed (by the Effect `Clock`, so
 * `TestClock` drives it). On timeout `self` is interrupted, and its finalizers have run, before
 * the failure is returned; interrupting the caller interrupts both fibers.
 */
export const deadline = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2,
): Effect.Effect<A, E | E2, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.forkDaemon(restore(self)), (work) =>
      Effect.flatMap(Effect.forkDaemon(Effect.interruptible(Effect.sleep(duration))), (timer) =>
        Effect.onInterrupt(
          restore(
            Effect.async<A, E | E2>((resume) => {
              let settled = false
              work.addObserver((exit) => {
                if (settled) return
                settled = true
                timer.unsafeInterruptAsFork(work.id())
                resume(exit)
              })
              timer.addObserver(() => {
                if (settled) return
                settled = true
                resume(Effect.zipRight(Fiber.interrupt(work), Effect.fail(onTimeout())))
              })
            }),
          ),
          () => Effect.zipRight(Fiber.interrupt(work), Fiber.interrupt(timer)),
        ),
      ),
    ),
  )
