/**
 * CORS for the real server, so a browser page on another origin can call the fake: every origin,
 * the headers a Containers client sends, and every response header readable.
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { App } from "../FakeContainersApi.js"
import { randomHex } from "./bytes.js"

const allowedHeader =
  /^(authorization|content-type|accept|idempotency-key|openai-[a-z0-9-]+|x-stainless-[a-z0-9-]+)$/

/** @internal */
export const cors = (app: App): App =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined) {
      const requested = (request.headers["access-control-request-headers"] ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter((h) => allowedHeader.test(h))
      // Preflights are answered here: they carry no key and are not API requests, so not logged.
      return HttpServerResponse.empty({
        status: 204,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST, DELETE",
          "access-control-allow-headers": requested.join(", "),
          "access-control-max-age": "600",
          "x-request-id": `req_${randomHex(32)}`,
        },
      })
    }
    const response = yield* app
    return HttpServerResponse.setHeaders(response, {
      "access-control-allow-origin": "*",
      "access-control-expose-headers": Object.keys(response.headers).join(", "),
    })
  })
