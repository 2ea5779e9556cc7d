/**
 * A per-attempt timeout that is cheaper than `Effect.timeoutFail`.
 *
 * `Effect.timeoutFail` races the effect against a sleep through `raceFibersWith`: two forked
 * fibers, a fiber-ref merge of the winner and a join of the loser on every request; CPU
 * profiles of sequential retrieves put it at a fifth of the client's time. Here the effect runs
 * in a daemon fiber watched by a plain observer. Fiber-ref changes made inside `self` are not
 * merged back, which no caller in this package relies on.
 *
 * Two things keep it off the request's critical path (timelines of a page walk: 250 µs per
 * request less from one page's end to the next request's write):
 * - the fiber is started at once, on the caller's stack, so the request is sent in this turn
 *   instead of after a trip through the scheduler, behind whatever else is queued;
 * - on the live clock the timer is a plain `setTimeout`, not a second fiber to fork, start and
 *   interrupt. Any other clock (`TestClock`) gets a sleeping fiber, so tests drive it.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"

const LiveClock = Clock.make().constructor
// setTimeout fires at once for delays it cannot hold; Effect's live clock never fires those.
const maxTimerMillis = 2 ** 31 - 1

/** Calls `fire` once `duration` has passed on `clock`; returns the cancel. */
const startTimer = <R>(
  clock: Clock.Clock,
  runtime: Runtime.Runtime<R>,
  duration: Duration.Duration,
  fire: () => void,
): (() => void) => {
  if (clock.constructor === LiveClock) {
    const millis = Duration.toMillis(duration)
    if (millis > maxTimerMillis) return () => {}
    const handle = setTimeout(fire, millis)
    return () => clearTimeout(handle)
  }
  const sleeper = Runtime.runFork(runtime)(Effect.interruptible(clock.sleep(duration)))
  sleeper.addObserver((exit) => {
    if (exit._tag === "Success") fire()
  })
  return () => sleeper.unsafeInterruptAsFork(FiberId.none)
}

/**
 * `self`, or `onTimeout()` as a failure once `duration` has passed (by the Effect `Clock`, so
 * `TestClock` drives it). On timeout `self` is interrupted, and its finalizers have run, before
 * the failure is returned; interrupting the caller interrupts `self` too.
 */
export const deadline = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2,
): Effect.Effect<A, E | E2, R> =>
  Effect.clockWith((clock) =>
    // Captured outside the mask, so `self` runs as interruptible as the caller is.
    Effect.flatMap(Effect.runtime<R>(), (runtime) =>
      Effect.uninterruptibleMask((restore) => {
        const work = Runtime.runFork(runtime)(self)
        // Done before its first asynchronous step (a request refused before sending).
        const done = work.unsafePoll()
        if (done !== null) return done
        let cancelTimer = () => {}
        return Effect.onInterrupt(
          restore(
            Effect.async<A, E | E2>((resume) => {
              // The caller may have yielded since the poll above, and observers added to a
              // finished fiber are never called.
              const doneSince = work.unsafePoll()
              if (doneSince !== null) return resume(doneSince)
              let settled = false
              cancelTimer = startTimer(clock, runtime, duration, () => {
                if (settled) return
                settled = true
                resume(Effect.zipRight(Fiber.interrupt(work), Effect.fail(onTimeout())))
              })
              work.addObserver((exit) => {
                if (settled) return
                settled = true
                resume(exit)
                cancelTimer()
              })
            }),
          ),
          () =>
            Effect.zipRight(
              Effect.sync(() => cancelTimer()),
              Fiber.interrupt(work),
            ),
        )
      }),
    ),
  )
