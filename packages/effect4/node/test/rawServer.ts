/**
 * A plain `node:http` server on 127.0.0.1 for the transport tests: the handler answers as it
 * likes, and every connection's close is observable. Closed with the scope.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

export interface RawServer {
  readonly url: string
  /** Resolves with each accepted connection, in order. */
  readonly connection: (index: number) => Promise<Connection>
}

export interface Connection {
  /** Resolves when the connection closed, from either side. */
  readonly closed: Promise<void>
}

export const rawServer = (
  handler: (req: Http.IncomingMessage, res: Http.ServerResponse) => void,
): Effect.Effect<RawServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ server: Http.Server; state: RawServer }>((resume) => {
      const connections: Array<Connection> = []
      const waiting = new Map<number, (connection: Connection) => void>()
      const server = Http.createServer(handler)
      server.on("connection", (socket) => {
        const connection = { closed: new Promise<void>((resolve) => socket.once("close", () => resolve())) }
        connections.push(connection)
        waiting.get(connections.length - 1)?.(connection)
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(
          Effect.succeed({
            server,
            state: {
              url: `http://127.0.0.1:${port}`,
              connection: (index) =>
                connections[index] !== undefined
                  ? Promise.resolve(connections[index])
                  : new Promise((resolve) => waiting.set(index, resolve)),
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

/** Waits for `promise`, failing the test (not hanging it) if it takes more than 5 s. */
export const awaitPromise = <A>(promise: Promise<A>, what: string): Effect.Effect<A> =>
  Effect.promise(() => promise).pipe(
    Effect.timeoutOrElse({
      duration: "5 seconds",
      orElse: () => Effect.die(new Error(`timed out: ${what}`)),
    }),
  )
