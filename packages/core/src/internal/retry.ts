import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import type { ResolvedOptions } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"
import { withNote } from "./failures.js"

/** Statuses worth another try: timeouts, lock conflicts, rate limits, server failures. */
const retryableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500

/** Whether the default rules retry this error; `x-should-retry` overrides the status rule. */
const isRetryable = (error: ContainersError): boolean => {
  switch (error._tag) {
    case "ConnectionError":
    case "TimeoutError":
      return true
    case "ResponseDecodeError":
      return error.reason === "MalformedJson" && error.method === "GET"
    case "InvalidRequestError":
      return false
    default: {
      // A redirect is never followed, so asking again would only get it again.
      if (error.status === 0 || (error.status >= 300 && error.status < 400)) return false
      const should = error.headers["x-should-retry"]
      if (should === "true") return true
      if (should === "false") return false
      return retryableStatus(error.status)
    }
  }
}

/** The wait the server asked for, in milliseconds: `retry-after-ms`, else `Retry-After`. */
const serverAskedWait = (
  headers: Readonly<Record<string, string>>,
  nowMillis: number,
): Option.Option<number> => {
  const ms = Number.parseFloat(headers["retry-after-ms"] ?? "")
  if (Number.isFinite(ms) && ms >= 0) return Option.some(ms)
  const after = headers["retry-after"]
  if (after === undefined) return Option.none()
  if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return Option.some(Number.parseFloat(after) * 1000)
  const date = Date.parse(after)
  return Number.isNaN(date) ? Option.none() : Option.some(Math.max(0, date - nowMillis))
}

/** Runs `once`, retrying it by the policy, the schedule's state threaded through the attempts. */
export const retrying = <A>(
  options: ResolvedOptions,
  once: Effect.Effect<A, ContainersError>,
  replayable: boolean,
): Effect.Effect<A, ContainersError> => {
  const schedule: Schedule.Schedule<unknown, ContainersError> = options.retrySchedule
  const cap = options.maxRetryAfter
  const loop = (retries: number, state: unknown): Effect.Effect<A, ContainersError> =>
    Effect.catchAll(once, (error) =>
      Effect.gen(function* () {
        const fail = (note?: string) => Effect.fail(withNote(error, note))
        if (!isRetryable(error) || retries >= options.maxRetries) return yield* fail()
        if (!replayable) return yield* fail("the request body is a one-shot stream")
        const now = yield* Clock.currentTimeMillis
        const asked = "headers" in error ? serverAskedWait(error.headers, now) : Option.none()
        if (Option.isSome(asked) && asked.value > Duration.toMillis(cap)) {
          return yield* fail(
            `the server asked to wait ${Math.ceil(asked.value)} ms, over the ${Duration.format(cap)} cap`,
          )
        }
        const [next, , decision] = yield* schedule.step(now, error, retries === 0 ? schedule.initial : state)
        if (ScheduleDecision.isDone(decision)) return yield* fail("the retry schedule ended")
        yield* Effect.annotateCurrentSpan("http.request.resend_count", retries + 1)
        yield* Effect.sleep(
          Option.isSome(asked) ? asked.value : Math.max(0, Intervals.start(decision.intervals) - now),
        )
        return yield* loop(retries + 1, next)
      }),
    )
  return loop(0, undefined)
}
