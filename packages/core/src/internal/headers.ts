/**
 * The request's headers from the options, and the checks on headers, query values and options
 * that refuse, before sending, what HTTP cannot carry or the client cannot honour.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ResolvedOptions } from "../ContainersClient.js"
import { InvalidRequestError } from "../ContainersError.js"
import type { Endpoint } from "./request.js"

const sensitiveHeaders = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "proxy-authorization",
])
// HTTP/1.1 field values carry tab, space, visible ASCII and bytes 0x80-0xFF only. CR, LF or NUL
// could split the request; other controls and characters above U+00FF make the transport throw
// (undici: "invalid header"), which would surface as a retried ConnectionError. Refuse them here.
const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name] = sensitiveHeaders.has(name) ? "<redacted>" : headers[name]!
  return out
}

export const requestHeaders = (
  options: ResolvedOptions,
  accept: string,
): Effect.Effect<Record<string, string>, InvalidRequestError> => {
  const headers: Record<string, string> = { accept }
  if (Option.isSome(options.organization)) headers["openai-organization"] = options.organization.value
  if (Option.isSome(options.project)) headers["openai-project"] = options.project.value
  for (const name in options.headers) {
    if (!headerName.test(name)) {
      return Effect.fail(new InvalidRequestError({ message: `Invalid header name ${JSON.stringify(name)}` }))
    }
    headers[name.toLowerCase()] = options.headers[name]!
  }
  for (const name in headers) {
    if (unsafeHeaderValue.test(headers[name]!)) {
      return Effect.fail(
        new InvalidRequestError({
          message: `Header ${name} contains CR, LF, a control character or one above U+00FF`,
        }),
      )
    }
  }
  if (Option.isSome(options.apiKey)) {
    const key = Redacted.value(options.apiKey.value)
    // The message must not quote the key, only say what is wrong with it.
    if (unsafeHeaderValue.test(key) || key.length === 0) {
      return Effect.fail(
        new InvalidRequestError({
          message: "The API key is empty or contains CR, LF, a control character or one above U+00FF",
        }),
      )
    }
    headers.authorization = `Bearer ${key}`
  }
  return Effect.succeed(headers)
}

// URL encoding turns a lone UTF-16 surrogate into U+FFFD: the server would get another value.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export const checkQuery = (query: Endpoint["query"]): Effect.Effect<void, InvalidRequestError> => {
  for (const name in query) {
    const value = query[name]
    if (typeof value === "string" && loneSurrogate.test(value)) {
      return Effect.fail(new InvalidRequestError({ message: `Query parameter ${name} is not valid Unicode` }))
    }
  }
  return Effect.void
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0

/**
 * Options no call can work with. A zero timeout (Effect's `Duration` turns negative and NaN
 * durations into zero) would fail every attempt at once, which looks like a network fault.
 */
export const checkOptions = (options: ResolvedOptions): Effect.Effect<void, InvalidRequestError> => {
  const problem = optionProblem(options)
  return problem === undefined ? Effect.void : Effect.fail(new InvalidRequestError({ message: problem }))
}

const optionProblem = ({ timeout, maxRetries, pagePrefetch }: ResolvedOptions): string | undefined => {
  if (!Duration.greaterThan(timeout, Duration.zero)) return "timeout must be longer than zero"
  if (!isCount(maxRetries) && maxRetries !== Number.POSITIVE_INFINITY) {
    return `maxRetries must be a whole number from 0 up, or Infinity (got ${maxRetries})`
  }
  if (!isCount(pagePrefetch)) return `pagePrefetch must be a whole number from 0 up (got ${pagePrefetch})`
  return undefined
}
