/**
 * The client's options checked once, and the request mapping built from them: base URL (its
 * path prefix and query kept), default query, auth and headers. Anything HTTP cannot carry or
 * the client cannot honour is refused here, before any request.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { constTrue } from "effect/Function"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as UrlParams from "effect/http/UrlParams"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type { ResolvedOptions } from "../ContainersClient.js"
import { InvalidRequestError } from "../ContainersError.js"

// HTTP/1.1 field values carry tab, space, visible ASCII and bytes 0x80-0xFF only. CR, LF or NUL
// could split the request; other controls and characters above U+00FF make the transport throw
// (undici: "invalid header"), which would surface as a retried ConnectionError.
export const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const isCount = (n: number) => Number.isInteger(n) && n >= 0

const problem = (options: ResolvedOptions, headers: Record<string, string>): string | undefined => {
  const { timeout, maxRetries, pagePrefetch } = options
  // Effect's `Duration` turns NaN into zero and keeps negative durations: either would fail
  // every attempt at once and look like a network fault.
  if (!Duration.isGreaterThan(timeout, Duration.zero)) return "timeout must be longer than zero"
  if (!isCount(maxRetries) && maxRetries !== Number.POSITIVE_INFINITY) {
    return `maxRetries must be a whole number from 0 up, or Infinity (got ${maxRetries})`
  }
  if (!isCount(pagePrefetch)) return `pagePrefetch must be a whole number from 0 up (got ${pagePrefetch})`
  for (const name in options.headers) {
    if (!headerName.test(name)) return `Invalid header name ${JSON.stringify(name)}`
  }
  for (const name in headers) {
    if (unsafeHeaderValue.test(headers[name]!)) {
      return `Header ${name} contains CR, LF, a control character or one above U+00FF`
    }
  }
  if (Option.isSome(options.apiKey)) {
    const key = Redacted.value(options.apiKey.value)
    // The message must not quote the key, only say what is wrong with it.
    if (unsafeHeaderValue.test(key) || key.length === 0) {
      return "The API key is empty or contains CR, LF, a control character or one above U+00FF"
    }
  }
  return undefined
}

const parseBaseUrl = (baseUrl: string): URL | undefined => {
  try {
    const url = new URL(baseUrl)
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined
  } catch {
    return undefined
  }
}

/**
 * The mapping every request goes through, or why no request can be made. Requests carry the
 * endpoint's path (`/containers/...`) as their URL; the base URL's path goes before it and its
 * query after the endpoint's own parameters.
 */
export const configure = (
  options: ResolvedOptions,
): Result.Result<(client: HttpClient.HttpClient) => HttpClient.HttpClient, InvalidRequestError> => {
  const headers: Record<string, string> = {}
  if (Option.isSome(options.organization)) headers["openai-organization"] = options.organization.value
  if (Option.isSome(options.project)) headers["openai-project"] = options.project.value
  for (const name in options.headers) headers[name.toLowerCase()] = options.headers[name]!
  const refused = problem(options, headers)
  if (refused !== undefined) return Result.fail(new InvalidRequestError({ message: refused }))
  const base = parseBaseUrl(options.baseUrl)
  if (base === undefined) {
    return Result.fail(
      new InvalidRequestError({
        message: `baseUrl ${JSON.stringify(options.baseUrl)} is not an http(s) URL`,
      }),
    )
  }
  if (Option.isSome(options.apiKey)) headers.authorization = `Bearer ${Redacted.value(options.apiKey.value)}`
  const fixed = Headers.fromInput(headers)
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, "")}`
  const query = UrlParams.appendAll(
    UrlParams.fromInput(base.searchParams),
    UrlParams.fromInput(options.defaultQuery),
  )
  return Result.succeed((client) =>
    client.pipe(
      HttpClient.mapRequest((request) => {
        const mapped = HttpClientRequest.setHeaders(
          HttpClientRequest.setUrl(request, prefix + request.url),
          fixed,
        )
        return query.params.length === 0 ? mapped : HttpClientRequest.appendUrlParams(mapped, query)
      }),
      // Each call has its own span (see request.ts). The platform's per-attempt span would
      // duplicate it and, once `TracerHeaderFilter` is set, record the response headers, where a
      // server echoing the key puts it.
      HttpClient.transformResponse(Effect.provideService(HttpClient.TracerDisabledWhen, constTrue)),
    ),
  )
}
