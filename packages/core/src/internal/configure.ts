/** The client's options checked once, and the request mapping (base URL, query, auth, headers) built. */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Duration from "effect/Duration"
import { constTrue } from "effect/Function"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ResolvedOptions, Service } from "../ContainersClient.js"
import { InvalidRequestError } from "../ContainersError.js"

// HTTP/1.1 field values carry tab, space, visible ASCII and bytes 0x80-0xFF only. CR, LF or NUL
// could split the request; other controls and characters above U+00FF make the transport throw
// (undici: "invalid header"), which would surface as a retried ConnectionError.
const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const isCount = (n: number) => Number.isInteger(n) && n >= 0

const problem = (options: ResolvedOptions, headers: Record<string, string>): string | undefined => {
  const { timeout, maxRetries, pagePrefetch } = options
  // `Duration` turns negative and NaN into zero, which would fail every attempt like a network fault.
  if (!Duration.greaterThan(timeout, Duration.zero)) return "timeout must be longer than zero"
  if (!isCount(maxRetries) && maxRetries !== Number.POSITIVE_INFINITY) {
    return `maxRetries must be a whole number from 0 up, or Infinity (got ${maxRetries})`
  }
  if (!isCount(pagePrefetch)) return `pagePrefetch must be a whole number from 0 up (got ${pagePrefetch})`
  const badName = Object.keys(options.headers).find((name) => !headerName.test(name))
  if (badName !== undefined) return `Invalid header name ${JSON.stringify(badName)}`
  const badValue = Object.keys(headers).find((name) => unsafeHeaderValue.test(headers[name]!))
  if (badValue !== undefined)
    return `Header ${badValue} contains CR, LF, a control character or one above U+00FF`
  const key = Option.map(options.apiKey, Redacted.value)
  // The message must not quote the key, only say what is wrong with it.
  if (Option.isSome(key) && (key.value.length === 0 || unsafeHeaderValue.test(key.value))) {
    return "The API key is empty or contains CR, LF, a control character or one above U+00FF"
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
 * The service: the client every request goes through, or why no request can be made. Requests
 * carry the endpoint's path as their URL: the base URL's path goes before it, its query after.
 */
export const configure = (options: ResolvedOptions, transport: HttpClient.HttpClient): Service => {
  const headers: Record<string, string> = {}
  if (Option.isSome(options.organization)) headers["openai-organization"] = options.organization.value
  if (Option.isSome(options.project)) headers["openai-project"] = options.project.value
  for (const name in options.headers) headers[name.toLowerCase()] = options.headers[name]!
  const invalid = (message: string) => ({
    options,
    transport,
    httpClient: transport,
    invalid: Option.some(new InvalidRequestError({ message })),
  })
  const refused = problem(options, headers)
  if (refused !== undefined) return invalid(refused)
  const base = parseBaseUrl(options.baseUrl)
  if (base === undefined) return invalid(`baseUrl ${JSON.stringify(options.baseUrl)} is not an http(s) URL`)
  if (Option.isSome(options.apiKey)) headers.authorization = `Bearer ${Redacted.value(options.apiKey.value)}`
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, "")}`
  const query = UrlParams.appendAll(
    UrlParams.fromInput(base.searchParams),
    UrlParams.fromInput(options.defaultQuery),
  )
  const httpClient = options.transformClient(transport).pipe(
    HttpClient.mapRequest((request) =>
      HttpClientRequest.modify(request, {
        url: prefix + request.url,
        headers,
        urlParams: query.length === 0 ? request.urlParams : UrlParams.appendAll(request.urlParams, query),
      }),
    ),
    // Calls have their own spans; the platform's would copy response headers (an echoed key) in.
    HttpClient.withTracerDisabledWhen(constTrue),
  )
  return { options, transport, httpClient, invalid: Option.none() }
}
