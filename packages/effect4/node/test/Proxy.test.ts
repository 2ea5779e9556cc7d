/**
 * Proxies over the Node transport: a small forward proxy on loopback (absolute-form requests
 * forwarded with node:http, `CONNECT` tunnels piped) records everything that passed through it,
 * so each test can tell whether a call went through it or direct.
 *
 * undici's `EnvHttpProxyAgent` reads `HTTP_PROXY` / `http_proxy` when it is built (when the layer
 * is), and `NO_PROXY` / `no_proxy` on every request; it has no loopback exemption, so a
 * 127.0.0.1 target is proxied unless `NO_PROXY` names it. Every test sets all of these variables
 * for its own scope (whatever the machine's environment holds) and restores them after.
 *
 * undici 8 forwards a plain-http request to a proxy (absolute form, headers and all) unless the
 * agent has `proxyTunnel: true`; the layer's own `EnvHttpProxyAgent` has it, and the tests' own
 * `ProxyAgent`s set it where they expect a tunnel.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Net from "node:net"
import * as Undici from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { NodeContainersClient } from "../src/index.js"
import { rawServer } from "./rawServer.js"

/** One request the proxy handled: its request line and headers, as a logging proxy sees them. */
interface Passed {
  readonly method: string
  /** The request target: `http://host:port/path` when forwarded, `host:port` for `CONNECT`. */
  readonly target: string
  readonly headers: Http.IncomingHttpHeaders
}

interface ForwardProxy {
  readonly url: string
  readonly passed: Array<Passed>
  /** Resolves when the client side of tunnel `index` closed. */
  readonly tunnelClosed: (index: number) => Promise<void>
}

const forwardProxy: Effect.Effect<ForwardProxy, never, Scope.Scope> = Effect.acquireRelease(
  Effect.callback<{ server: Http.Server; sockets: Set<Net.Socket>; proxy: ForwardProxy }>((resume) => {
    const passed: Array<Passed> = []
    const tunnels: Array<Promise<void>> = []
    const sockets = new Set<Net.Socket>()
    const track = (socket: Net.Socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    }
    const server = Http.createServer((req, res) => {
      passed.push({ method: req.method ?? "", target: req.url ?? "", headers: req.headers })
      const target = new URL(req.url ?? "")
      const upstream = Http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: `${target.pathname}${target.search}`,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      upstream.on("error", () => res.destroy())
      req.pipe(upstream)
    })
    server.on("connection", track)
    server.on("connect", (req: Http.IncomingMessage, client: Net.Socket, head: Buffer) => {
      passed.push({ method: req.method ?? "", target: req.url ?? "", headers: req.headers })
      tunnels.push(new Promise((resolve) => client.once("close", () => resolve())))
      const [host, port] = (req.url ?? "").split(":")
      const upstream = Net.connect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n")
        upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      track(upstream)
      upstream.on("error", () => client.destroy())
      client.on("error", () => upstream.destroy())
      client.once("close", () => upstream.destroy())
      upstream.once("close", () => client.destroy())
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(
        Effect.succeed({
          server,
          sockets,
          proxy: {
            url: `http://127.0.0.1:${port}`,
            passed,
            tunnelClosed: (index) => tunnels[index] ?? Promise.reject(new Error(`no tunnel ${index}`)),
          },
        }),
      )
    })
  }),
  ({ server, sockets }) =>
    Effect.callback<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    }),
).pipe(Effect.map(({ proxy }) => proxy))

const proxyVariables = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]

/**
 * Sets the proxy variables to exactly `values` (the others unset) for the current scope, and
 * puts back what was there when it closes.
 */
const proxyEnv = (values: Readonly<Record<string, string>>): Effect.Effect<void, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const saved = new Map(proxyVariables.map((name) => [name, process.env[name]]))
      for (const name of proxyVariables) {
        const value = values[name]
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      return saved
    }),
    (saved) =>
      Effect.sync(() => {
        for (const [name, value] of saved) {
          if (value === undefined) delete process.env[name]
          else process.env[name] = value
        }
      }),
  )

const apiKey = "sk-proxy-test-key"

const fileJson = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1_700_000_000,
  bytes: 12,
  path: "/mnt/data/a.txt",
  source: "user",
}

/** What the API server saw of each request. */
interface Arrived {
  readonly path: string
  readonly authorization: string | undefined
}

/** The API: answers every request with `fileJson`, recording what arrived. */
const apiServer = Effect.gen(function* () {
  const arrived: Array<Arrived> = []
  const server = yield* rawServer((req, res) => {
    arrived.push({ path: req.url ?? "", authorization: req.headers.authorization })
    // Asks undici to keep idle connections for 30 s: only destroying the agent closes them soon.
    res.writeHead(200, { "content-type": "application/json", "keep-alive": "timeout=30" })
    res.end(JSON.stringify(fileJson))
  })
  const { host } = new URL(server.url)
  return { baseUrl: `${server.url}/v1`, host, arrived }
})

const retrieve = (options: NodeContainersClient.Options) =>
  ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(
    Effect.map((file) => ({ ...file })),
    Effect.provide(NodeContainersClient.layer({ apiKey: Redacted.make(apiKey), maxRetries: 0, ...options })),
  )

const path = "/v1/containers/cntr_1/files/cfile_1"

describe("NodeContainersClient.layer behind a proxy", () => {
  it.live.each(["HTTP_PROXY", "http_proxy"])(
    "proxyFromEnv: true with %s set sends the request through the proxy",
    (variable) =>
      Effect.gen(function* () {
        const proxy = yield* forwardProxy
        const api = yield* apiServer
        yield* proxyEnv({ [variable]: proxy.url })
        expect(yield* retrieve({ baseUrl: api.baseUrl, proxyFromEnv: true })).toEqual(fileJson)
        // An http target through undici's ProxyAgent: a CONNECT tunnel to the API's host.
        expect(proxy.passed.map(({ method, target }) => ({ method, target }))).toEqual([
          { method: "CONNECT", target: api.host },
        ])
        expect(api.arrived).toEqual([{ path, authorization: `Bearer ${apiKey}` }])
      }),
  )

  it.live("proxyFromEnv: the layer's own agent is destroyed on release, closing the tunnel", () =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({ HTTP_PROXY: proxy.url })
      expect(yield* retrieve({ baseUrl: api.baseUrl, proxyFromEnv: true })).toEqual(fileJson)
      // Well before any idle timeout (the server's own is 5 s): the release closed it.
      yield* Effect.promise(() => proxy.tunnelClosed(0)).pipe(
        Effect.timeoutOrElse({
          duration: "2 seconds",
          orElse: () => Effect.fail(new Error("the tunnel is still open")),
        }),
      )
    }),
  )

  it.live.each([
    { NO_PROXY: "127.0.0.1" },
    { no_proxy: "127.0.0.1" },
    { NO_PROXY: "example.com, 127.0.0.1" },
    { NO_PROXY: "*" },
  ])("proxyFromEnv: with %o covering the target the request goes direct", (noProxy) =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({ HTTP_PROXY: proxy.url, ...noProxy })
      expect(yield* retrieve({ baseUrl: api.baseUrl, proxyFromEnv: true })).toEqual(fileJson)
      expect(proxy.passed).toEqual([])
      expect(api.arrived).toEqual([{ path, authorization: `Bearer ${apiKey}` }])
    }),
  )

  it.live("proxyFromEnv: NO_PROXY with the target's host and port goes direct, another port does not", () =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      const otherPort = Number(new URL(proxy.url).port)
      yield* proxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: api.host })
      expect(yield* retrieve({ baseUrl: api.baseUrl, proxyFromEnv: true })).toEqual(fileJson)
      expect(proxy.passed).toEqual([])
      yield* proxyEnv({ HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${otherPort}` })
      expect(yield* retrieve({ baseUrl: api.baseUrl, proxyFromEnv: true })).toEqual(fileJson)
      expect(proxy.passed.map(({ method, target }) => ({ method, target }))).toEqual([
        { method: "CONNECT", target: api.host },
      ])
    }),
  )

  it.live("without proxyFromEnv the proxy variables are ignored", () =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({ HTTP_PROXY: proxy.url, http_proxy: proxy.url })
      expect(yield* retrieve({ baseUrl: api.baseUrl })).toEqual(fileJson)
      expect(yield* retrieve({ baseUrl: api.baseUrl, proxyFromEnv: false })).toEqual(fileJson)
      expect(proxy.passed).toEqual([])
      expect(api.arrived).toHaveLength(2)
    }),
  )

  it.live("dispatcher: a ProxyAgent goes through the proxy and still works after the layer is released", () =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({})
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.ProxyAgent({ uri: proxy.url, proxyTunnel: true })),
        (agent) => Effect.promise(() => agent.close()),
      )
      expect(yield* retrieve({ baseUrl: api.baseUrl, dispatcher: agent })).toEqual(fileJson)
      let firstTunnelClosed = false
      void proxy.tunnelClosed(0).then(() => {
        firstTunnelClosed = true
      })
      // The first layer is released; the agent is still the user's, and still works.
      expect(yield* retrieve({ baseUrl: api.baseUrl, dispatcher: agent })).toEqual(fileJson)
      expect(firstTunnelClosed).toBe(false)
      // undici may open a second tunnel for a call right after another (the first connection
      // is not back in its pool yet); each one is a CONNECT to the API.
      expect(new Set(proxy.passed.map(({ method, target }) => `${method} ${target}`))).toEqual(
        new Set([`CONNECT ${api.host}`]),
      )
      expect(api.arrived).toHaveLength(2)
    }),
  )

  it.live("dispatcher wins over proxyFromEnv: the user's dispatcher is used as given", () =>
    Effect.gen(function* () {
      const envProxy = yield* forwardProxy
      const userProxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({ HTTP_PROXY: envProxy.url })
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.ProxyAgent({ uri: userProxy.url, proxyTunnel: true })),
        (agent) => Effect.promise(() => agent.close()),
      )
      expect(yield* retrieve({ baseUrl: api.baseUrl, dispatcher: agent, proxyFromEnv: true })).toEqual(
        fileJson,
      )
      expect(envProxy.passed).toEqual([])
      expect(userProxy.passed.map(({ method }) => method)).toEqual(["CONNECT"])
    }),
  )

  it.live("dispatcher: undici 8's ProxyAgent without proxyTunnel forwards an http request as it is", () =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({})
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.ProxyAgent(proxy.url)),
        (agent) => Effect.promise(() => agent.close()),
      )
      expect(yield* retrieve({ baseUrl: api.baseUrl, dispatcher: agent })).toEqual(fileJson)
      expect(proxy.passed.map(({ method, target }) => ({ method, target }))).toEqual([
        { method: "GET", target: `http://${api.host}${path}` },
      ])
      expect(proxy.passed[0]!.headers.authorization).toBe(`Bearer ${apiKey}`)
    }),
  )

  it.live("the API key reaches only the target's Authorization header, never the proxy's own request", () =>
    Effect.gen(function* () {
      const proxy = yield* forwardProxy
      const api = yield* apiServer
      yield* proxyEnv({})
      const tunnel = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.ProxyAgent({ uri: proxy.url, proxyTunnel: true })),
        (agent) => Effect.promise(() => agent.close()),
      )
      // Without a tunnel the proxy sees the request to the target itself, headers and all.
      const forward = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.ProxyAgent({ uri: proxy.url, proxyTunnel: false })),
        (agent) => Effect.promise(() => agent.close()),
      )
      expect(yield* retrieve({ baseUrl: api.baseUrl, dispatcher: tunnel })).toEqual(fileJson)
      expect(yield* retrieve({ baseUrl: api.baseUrl, dispatcher: forward })).toEqual(fileJson)
      const [connect, forwarded] = proxy.passed
      expect(proxy.passed).toHaveLength(2)
      expect(connect!.method).toBe("CONNECT")
      expect(JSON.stringify(connect)).not.toContain(apiKey)
      expect(forwarded!.method).toBe("GET")
      expect(forwarded!.target).toBe(`http://${api.host}${path}`)
      expect(forwarded!.headers.authorization).toBe(`Bearer ${apiKey}`)
      expect(forwarded!.headers["proxy-authorization"]).toBeUndefined()
      const { authorization: _, ...rest } = forwarded!.headers
      expect(JSON.stringify({ ...forwarded, headers: rest })).not.toContain(apiKey)
      expect(api.arrived).toEqual([
        { path, authorization: `Bearer ${apiKey}` },
        { path, authorization: `Bearer ${apiKey}` },
      ])
    }),
  )
})
