/**
 * Shared pieces of the reliability suites: the fake API over real HTTP with the Node client
 * pointed at it, a raw `node:http` server the tests fully control, and small byte helpers.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as nodePath from "node:path"
import type { ContainersClient } from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

/** The one key the fake accepts in these suites. */
export const apiKey = "sk-reliability-test-key"

/** The fake over real HTTP on an ephemeral loopback port, with its controls. */
export const fakeServer = FakeContainersServer.layer({ port: 0, apiKey })

/** The Node client (undici) pointed at the running fake, with these options. */
export const nodeClient =
  (options: ContainersClient.Options = {}) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.flatMap(FakeContainersServer.baseUrl, (baseUrl) =>
      Effect.provide(
        self,
        NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey), ...options }),
      ),
    )

/** The same, as a layer, for streams and long-lived clients. */
export const nodeClientLayer = (
  baseUrl: string,
  options: ContainersClient.Options = {},
): Layer.Layer<ContainersClient.ContainersClient> =>
  NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey), ...options })

export const newContainer = (name = "reliability") =>
  Effect.flatMap(FakeContainersApi.FakeContainersApi, (api) => api.createContainer({ name }))

/** Deterministic bytes covering every byte value. */
export const binary = (size: number, salt = 0): Uint8Array<ArrayBuffer> =>
  Uint8Array.from({ length: size }, (_, i) => (i * 31 + salt + (i >>> 8)) % 256)

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && Buffer.compare(a, b) === 0

/** A fresh directory, removed when the scope closes. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "reliability-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

/** A request the raw server saw, and whether its connection closed before a full response. */
export interface RawRequest {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  /** Resolves when the request's connection closed before the response ended. */
  readonly aborted: Promise<void>
  readonly abortedAt: () => number | undefined
}

export interface RawServer {
  readonly baseUrl: string
  readonly requests: ReadonlyArray<RawRequest>
  /** Open TCP connections on the server side, as Node counts them. */
  readonly connections: Effect.Effect<number>
}

/**
 * A plain `node:http` server on 127.0.0.1 answering with `handler`; it records each request
 * and when its connection closed early. Closed (all connections dropped) with the scope.
 */
export const rawServer = (
  handler: (req: Http.IncomingMessage, res: Http.ServerResponse, index: number) => void,
): Effect.Effect<RawServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ server: Http.Server; state: RawServer }>((resume) => {
      const requests: Array<RawRequest> = []
      const server = Http.createServer((req, res) => {
        let abortedAt: number | undefined
        const aborted = new Promise<void>((resolve) => {
          res.on("close", () => {
            if (!res.writableFinished) {
              abortedAt = performance.now()
              resolve()
            }
          })
        })
        requests.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          aborted,
          abortedAt: () => abortedAt,
        })
        handler(req, res, requests.length - 1)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            server,
            state: {
              baseUrl: `http://127.0.0.1:${port}/v1`,
              requests,
              connections: Effect.callback<number>((done) => {
                server.getConnections((_, count) => done(Effect.succeed(count)))
              }),
            },
          }),
        )
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      }),
  ).pipe(Effect.map(({ state }) => state))

/** Open sockets of this process, by kind, as Node reports them. */
export const activeSockets = (): number =>
  process.getActiveResourcesInfo().filter((kind) => kind === "TCPSocketWrap").length

/** Polls `check` on the real clock until it holds or `millis` pass. */
export const eventually = (check: () => boolean, millis = 2000): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    const start = Date.now()
    while (!check()) {
      if (Date.now() - start > millis) return false
      yield* Effect.sleep("2 millis")
    }
    return true
  })

/**
 * Counts the fibers started and ended inside what it wraps, through Effect 4's public fiber
 * lifecycle hook (`Metric.FiberRuntimeMetrics`): the stand-in for Effect 3's `Supervisor.track`,
 * which Effect 4 does not have. `alive()` is how many started and have not ended.
 */
export const fiberTracker = () => {
  let started = 0
  let ended = 0
  const service: Metric.FiberRuntimeMetricsService = {
    recordFiberStart: () => {
      started++
    },
    recordFiberEnd: () => {
      ended++
    },
  }
  return {
    track: <A, E, R>(self: Effect.Effect<A, E, R>) =>
      Effect.provideService(self, Metric.FiberRuntimeMetrics, service),
    alive: () => started - ended,
    started: () => started,
  }
}
