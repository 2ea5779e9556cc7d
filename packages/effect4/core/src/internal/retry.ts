/**
 * The retry policy: which errors are worth another try, how long the server asked to wait, and
 * the decision after each failed attempt.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { ContainersError } from "../ContainersError.js"

/** Statuses worth another try: timeouts, lock conflicts, rate limits, server failures. */
const retryableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500

/**
 * Whether the default rules retry this error. `x-should-retry` overrides the status rule,
 * but never makes a redirect (3xx, or a browser's status 0) retryable; a malformed JSON body is
 * retried only for GETs, where asking again is harmless.
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

/**
 * The default backoff: 0.5 s doubling to at most 8 s, each wait shortened by up to a quarter
 * at random so clients that failed together do not retry together. (Effect 4 has no
 * `jitteredWith`; its `jittered` spreads 0.8-1.2, which could wait past the cap.)
 */
export const defaultSchedule: Schedule.Schedule<Duration.Duration> = Schedule.exponential(
  "500 millis",
  2,
).pipe(
  Schedule.modifyDelay(({ duration }) =>
    Effect.map(Random.nextBetween(0.75, 1), (factor) =>
      Duration.times(Duration.min(duration, Duration.seconds(8)), factor),
    ),
  ),
)

/** The options the policy reads. */
export interface RetryOptions {
  /** Retries after the first attempt; `Infinity` retries until the schedule ends. */
  readonly maxRetries: number
  /** The longest server-asked wait honoured. */
  readonly maxRetryAfter: Duration.Duration
  /** The backoff between retries, fed the error that failed. */
  readonly retrySchedule: Schedule.Schedule<unknown, ContainersError>
}

/** What to do after a failed attempt. */
export type Decision =
  | { readonly _tag: "Fail"; readonly note?: string }
  | { readonly _tag: "Retry"; readonly waitMillis: number }

/** Decides whether attempt `retriesSoFar + 1` fails for good or waits and retries. */
export type Decide = (
  error: ContainersError,
  retriesSoFar: number,
  replayable: boolean,
) => Effect.Effect<Decision>

/**
 * The policy for one call. An Effect 4 schedule keeps its state in its step function, so make
 * one `Decide` per call: a user's schedule then sees that call's retries in turn. The schedule
 * is stepped only for errors the rules would retry.
 */
export const makeDecide = (options: RetryOptions): Effect.Effect<Decide> =>
  Effect.map(Schedule.toStep(options.retrySchedule), (step) =>
    Effect.fnUntraced(function* (error: ContainersError, retriesSoFar: number, replayable: boolean) {
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
      const delay = yield* step(now, error).pipe(
        Effect.map(([, delay]) => Option.some(delay)),
        Pull.catchDone(() => Effect.succeedNone),
      )
      if (Option.isNone(delay)) return { _tag: "Fail", note: "the retry schedule ended" } as const
      const waitMillis = Option.isSome(asked) ? asked.value : Duration.toMillis(delay.value)
      return { _tag: "Retry", waitMillis } as const
    }),
  )
