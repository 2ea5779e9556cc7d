import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Stream from "effect/Stream"
import * as FakeContainersApi from "../src/FakeContainersApi.js"

export const apiKey = "sk-test-key"

/** The in-process client, pointed at the fake, with the test key. */
export const api = Effect.map(HttpClient.HttpClient, (client) =>
  client.pipe(
    HttpClient.mapRequest((request) => {
      const withUrl = HttpClientRequest.prependUrl(request, FakeContainersApi.baseUrl)
      // A test that sets its own authorization header keeps it.
      return request.headers.authorization === undefined
        ? HttpClientRequest.bearerToken(withUrl, apiKey)
        : withUrl
    }),
  ),
)

export const send = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(api, (client) => client.execute(request))

/** Status, headers and JSON body of a request. */
export const call = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function* () {
    const response = yield* send(request)
    // Typed `unknown`, as the tests read it (the client types it as JSON).
    const body: unknown = yield* response.json
    return { status: response.status, headers: response.headers, body }
  })

export const createContainer = (body: Record<string, unknown>) =>
  Effect.flatMap(
    call(HttpClientRequest.post("/containers").pipe(HttpClientRequest.bodyJsonUnsafe(body))),
    (r) =>
      r.status === 200
        ? Effect.succeed(r.body as { id: string })
        : Effect.die(new Error(`create failed: ${r.status}`)),
  )

export const upload = (containerId: string, filename: string, bytes: Uint8Array) => {
  const form = new FormData()
  form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), filename)
  return call(
    HttpClientRequest.post(`/containers/${containerId}/files`).pipe(HttpClientRequest.bodyFormData(form)),
  )
}

export const bytesOf = (response: HttpClientResponse.HttpClientResponse) =>
  Stream.mkUint8Array(response.stream)

export const errorBody = (
  message: string,
  param: string | null = null,
  code: string | null = null,
  type = "invalid_request_error",
) => ({
  error: { message, type, param, code },
})

export const requestId = /^req_[0-9a-f]{32}$/
export const containerId = /^cntr_[0-9a-f]{48}$/
export const fileId = /^cfile_[0-9a-f]{32}$/

export const fake = FakeContainersApi.layerClient({ apiKey })

/** Byte equality without vitest's slow element-by-element diff of typed arrays. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
