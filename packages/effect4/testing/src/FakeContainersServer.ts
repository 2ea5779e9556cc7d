/**
 * The fake Containers API over real HTTP (Node): the same app as `FakeContainersApi.layerClient`,
 * on a loopback port, with CORS so browser pages on other origins can call it, and JSON gzipped
 * when the request accepts it, as the API sends it. For other processes, the browser tests,
 * benchmarks and the official `openai` SDK.
 *
 * @since 2.0.0
 */
import * as Http from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Layer from "effect/Layer"
import * as FakeContainersApi from "./FakeContainersApi.js"
import { Connection } from "./internal/app.js"
import { cors } from "./internal/cors.js"
import { compress } from "./internal/gzip.js"
import * as internalService from "./internal/service.js"

/**
 * @since 2.0.0
 * @category models
 */
export interface Options extends FakeContainersApi.Options {
  /** The port to listen on; `0` (the default) picks a free one. */
  readonly port?: number | undefined
  /**
   * Also gzip file content (`.../content`) when the request accepts gzip, to check that a client
   * decodes downloads. Default false: content is sent as stored, as the API sends it.
   */
  readonly compressContent?: boolean | undefined
}

/**
 * Where the server listens.
 *
 * @since 2.0.0
 * @category services
 */
export interface Service {
  /** `http://127.0.0.1:PORT/v1`, the base URL to give a client. */
  readonly baseUrl: string
  readonly port: number
}

/**
 * @since 2.0.0
 * @category services
 */
export class FakeContainersServer extends Context.Service<FakeContainersServer, Service>()(
  "@openai-containers/testing/FakeContainersServer",
) {}

/**
 * The bound base URL, `http://127.0.0.1:PORT/v1`.
 *
 * @since 2.0.0
 * @category accessors
 */
export const baseUrl: Effect.Effect<string, never, FakeContainersServer> = Effect.map(
  FakeContainersServer,
  (server) => server.baseUrl,
)

// `ResetMidBody` on a socket: flush what was written, then close the connection mid-response. A
// FIN, not an RST: an RST makes the client's kernel drop bytes it has not read, and the prefix is the point.
const resetConnection = Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
  const response = NodeHttpServerRequest.toServerResponse(request)
  return Connection.of({
    reset: Effect.callback<never, Error>(() => {
      const socket = response.socket
      if (socket === null) return
      socket.end(() => socket.destroy())
      // Never resumes: the closed connection interrupts this request's fiber.
    }),
  })
})

/**
 * Starts the fake on `127.0.0.1` and provides its controls and its address; the server stops
 * (dropping open connections, stalled ones included) when the layer is released. The fake
 * always runs on the real clock, its requests and its controls alike, whatever clock the layer
 * is built or used under.
 *
 * @since 2.0.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<FakeContainersApi.FakeContainersApi | FakeContainersServer, HttpServerError.ServeError> =>
  Layer.effectContext(
    Effect.gen(function* () {
      // The reference's default is the live clock, whatever clock this layer is built under.
      const api = yield* internalService.make(options, Clock.Clock.defaultValue())
      const server = Http.createServer()
      const http = yield* NodeHttpServer.make(() => server, { port: options.port ?? 0, host: "127.0.0.1" })
      const app = cors(
        compress(Effect.provideServiceEffect(api.app, Connection, resetConnection), {
          content: options.compressContent ?? false,
        }),
      )
      yield* http.serve(app)
      // Added after the server's own finalizers, so it runs first and `close` does not wait on
      // stalled or kept-alive connections.
      yield* Effect.addFinalizer(() => Effect.sync(() => server.closeAllConnections()))
      const port = http.address._tag === "UnixPathAddress" ? 0 : http.address.port
      return Context.make(FakeContainersApi.FakeContainersApi, api).pipe(
        Context.add(FakeContainersServer, { baseUrl: `http://127.0.0.1:${port}/v1`, port }),
      )
    }),
  )
