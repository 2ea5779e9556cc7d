import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Intervals from "effect/ScheduleIntervals"
import type { ResolvedOptions } from "../ContainersClient.js"
import type { ContainersError } from "../ContainersError.js"

/** Statuses worth another try: timeouts, lock conflicts, rate limits, server failures. */
const retryableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500

/**
 * Whether the default rules retry this error. `x-should-retry` overrides the status rule;
 * a malformed JSON body is retried only for GETs, where asking again is harmless.
 */
export const isRetryable = (error: ContainersError): boolean => {
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
export const serverAskedWait = (
  headers: Readonly<Record<string, string>>,
  nowMillis: number,
): Option.Option<number> => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined) {
    const value = Number.parseFloat(ms)
    if (Number.isFinite(value) && value >= 0) return Option.some(value)
  }
  const after = headers["retry-after"]
  if (after === undefined) return Option.none()
  if (/^\s*\d+(\.\d+)?\s*$/.test(after)) return Option.some(Number.parseFloat(after) * 1000)
  const date = Date.parse(after)
  return Number.isNaN(date) ? Option.none() : Option.some(Math.max(0, date - nowMillis))
}

/** What to do after a failed attempt. */
export type Decision =
  | { readonly _tag: "Fail"; readonly note?: string }
  | { readonly _tag: "Retry"; readonly waitMillis: number; readonly state: unknown }

/**
 * Decides whether attempt `retriesSoFar + 1` fails for good or waits and retries. `state` is
 * the retry schedule's state, threaded through the attempts of one call.
 */
export const decide = (
  options: ResolvedOptions,
  error: ContainersError,
  retriesSoFar: number,
  state: unknown,
  replayable: boolean,
): Effect.Effect<Decision> =>
  Effect.gen(function* () {
    if (!isRetryable(error) || retriesSoFar >= options.maxRetries) return { _tag: "Fail" } as const
    if (!replayable) return { _tag: "Fail", note: "the request body is a one-shot stream" } as const
    const now = yield* Clock.currentTimeMillis
    const asked = "headers" in error ? serverAskedWait(error.headers, now) : Option.none()
    if (Option.isSome(asked) && asked.value > Duration.toMillis(options.maxRetryAfter)) {
      return {
        _tag: "Fail",
        note: `the server asked to wait ${Math.ceil(asked.value)} ms, over the ${Duration.format(options.maxRetryAfter)} cap`,
      } as const
    }
    const schedule: Schedule.Schedule<unknown, ContainersError> = options.retrySchedule
    const [next, , decision] = yield* schedule.step(now, error, retriesSoFar === 0 ? schedule.initial : state)
    if (ScheduleDecision.isDone(decision)) return { _tag: "Fail", note: "the retry schedule ended" } as const
    const waitMillis = Option.isSome(asked)
      ? asked.value
      : Math.max(0, Intervals.start(decision.intervals) - now)
    return { _tag: "Retry", waitMillis, state: next } as const
  })
