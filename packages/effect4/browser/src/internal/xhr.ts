/**
 * `fetch` cannot report upload progress (and Chromium only streams request bodies over
 * HTTP/2), so uploads that want progress go through `XMLHttpRequest`, whose `upload`
 * events do. The response is read as an ArrayBuffer, so it stays binary-safe. Unlike fetch,
 * XMLHttpRequest always follows redirects: the answer of a redirected upload is refused.
 */
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { Progress } from "../BrowserContainerFiles.js"

// Statuses whose Response may not have a body.
const nullBodyStatus = new Set([101, 204, 205, 304])

const parseHeaders = (raw: string): Headers => {
  const headers = new Headers()
  for (const line of raw.trim().split(/\r?\n/)) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return headers
}

const send = (
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  body: FormData,
  onProgress: (progress: Progress) => void,
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  Effect.callback((resume) => {
    const xhr = new XMLHttpRequest()
    const failed = (description: string) =>
      resume(
        Effect.fail(
          new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({ request, description }),
          }),
        ),
      )
    xhr.open(request.method, url.toString())
    xhr.responseType = "arraybuffer"
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) =>
      onProgress({ bytes: event.loaded, total: event.lengthComputable ? event.total : undefined })
    xhr.onload = () => {
      if (xhr.responseURL !== "" && xhr.responseURL !== url.toString()) {
        // XMLHttpRequest follows redirects and cannot be told not to. Its answer, from wherever
        // the redirect led, is refused: a status-0 response becomes the same ApiError fetch's
        // opaque redirect does, and is not retried.
        resume(Effect.succeed(HttpClientResponse.fromWeb(request, Response.error())))
        return
      }
      const response = new Response(nullBodyStatus.has(xhr.status) ? null : (xhr.response as ArrayBuffer), {
        status: xhr.status,
        headers: parseHeaders(xhr.getAllResponseHeaders()),
      })
      resume(Effect.succeed(HttpClientResponse.fromWeb(request, response)))
    }
    xhr.onerror = () => failed("the request failed (network error or CORS)")
    xhr.ontimeout = () => failed("the request timed out")
    xhr.send(body)
    return Effect.sync(() => xhr.abort())
  })

/**
 * `client`, except that a `FormData` body is sent with `XMLHttpRequest`, reporting upload
 * progress. Requests reach it fully built (it sits beneath the core's request mapping).
 */
export const withUploadProgress = (
  client: HttpClient.HttpClient,
  onProgress: (progress: Progress) => void,
): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    request.body._tag === "FormData"
      ? send(request, url, request.body.formData, onProgress)
      : client.execute(request),
  )
