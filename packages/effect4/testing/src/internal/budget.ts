/**
 * The request budget: at most `limit` requests per window, replenished continuously as OpenAI's
 * limits are, reported in the `x-ratelimit-*-requests` headers and enforced with a 429.
 */
import * as Duration from "effect/Duration"
import { ApiFailure } from "./errors.js"

/** Where the budget stands after a request. @internal */
export interface Quota {
  readonly limit: number
  readonly remaining: number
  /** Until the budget is whole again. */
  readonly resetMillis: number
  /** Set when the request was refused: until one request fits again. */
  readonly retryAfterMillis: number | undefined
}

/** The default: far more than any test or benchmark sends. @internal */
export const defaultLimit = { requests: 10_000_000, per: Duration.minutes(1) }

/**
 * Integer bookkeeping, so the headers are exact: a request costs `windowMillis` units, the budget
 * holds `limit * windowMillis`, and `limit` units drain per millisecond.
 *
 * @internal
 */
export class RequestBudget {
  readonly limit: number
  readonly windowMillis: number
  private used = 0
  private at = 0

  constructor(options: { readonly requests: number; readonly per?: Duration.Input | undefined }) {
    const windowMillis = Duration.toMillis(options.per ?? defaultLimit.per)
    if (!Number.isInteger(options.requests) || options.requests < 1) {
      throw new RangeError(`rateLimit.requests must be a whole number >= 1, got ${options.requests}`)
    }
    if (!Number.isInteger(windowMillis) || windowMillis < 1) {
      throw new RangeError(`rateLimit.per must be a whole number of milliseconds >= 1, got ${windowMillis}`)
    }
    this.limit = options.requests
    this.windowMillis = windowMillis
  }

  /** Spends one request if it fits; either way, the quota as of `nowMillis`. */
  take(nowMillis: number): Quota {
    this.drain(nowMillis)
    const over = this.used + this.windowMillis - this.limit * this.windowMillis
    if (over > 0) return this.quota(Math.ceil(over / this.limit))
    this.used += this.windowMillis
    return this.quota(undefined)
  }

  /** The quota as of `nowMillis`, spending nothing. */
  peek(nowMillis: number): Quota {
    this.drain(nowMillis)
    return this.quota(undefined)
  }

  refill(): void {
    this.used = 0
  }

  private drain(nowMillis: number): void {
    if (nowMillis <= this.at) return
    this.used = Math.max(0, this.used - (nowMillis - this.at) * this.limit)
    this.at = nowMillis
  }

  private quota(retryAfterMillis: number | undefined): Quota {
    return {
      limit: this.limit,
      remaining: Math.floor((this.limit * this.windowMillis - this.used) / this.windowMillis),
      resetMillis: Math.ceil(this.used / this.limit),
      retryAfterMillis,
    }
  }
}

/** `12ms`, `20s`, `1m0s`, `1h2m3.5s`: the duration format of OpenAI's reset headers. @internal */
export const formatDuration = (millis: number): string => {
  if (millis <= 0) return "0s"
  if (millis < 1000) return `${millis}ms`
  const hours = Math.floor(millis / 3_600_000)
  const minutes = Math.floor((millis % 3_600_000) / 60_000)
  const secondsPart = `${(millis % 60_000) / 1000}s`
  if (hours > 0) return `${hours}h${minutes}m${secondsPart}`
  return minutes > 0 ? `${minutes}m${secondsPart}` : secondsPart
}

/** The headers every response carries. @internal */
export const quotaHeaders = (quota: Quota): Record<string, string> => ({
  "x-ratelimit-limit-requests": String(quota.limit),
  "x-ratelimit-remaining-requests": String(quota.remaining),
  "x-ratelimit-reset-requests": formatDuration(quota.resetMillis),
})

/** The 429 for a request over budget, with the waits a client should honour. @internal */
export const overBudget = (quota: Quota, windowMillis: number): ApiFailure => {
  const wait = quota.retryAfterMillis ?? 0
  const per = windowMillis === 60_000 ? "min (RPM)" : formatDuration(windowMillis)
  return new ApiFailure({
    status: 429,
    error: {
      message: `Rate limit reached for requests per ${per}: Limit ${quota.limit}, Used ${quota.limit}, Requested 1. Please try again in ${formatDuration(wait)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      type: "requests",
      param: null,
      code: "rate_limit_exceeded",
    },
    headers: {
      // `Retry-After` is whole seconds, at least 1 (the spec); `retry-after-ms` is exact.
      "retry-after": String(Math.max(1, Math.ceil(wait / 1000))),
      "retry-after-ms": String(wait),
    },
  })
}
