/**
 * `fake-containers-api`: starts the fake Containers API over HTTP on 127.0.0.1, prints its base
 * URL as the first line on stdout, and serves until SIGINT or SIGTERM.
 *
 *     fake-containers-api [--port N] [--api-key K] [--latency MS]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as FakeContainersServer from "./FakeContainersServer.js"

const usage = "usage: fake-containers-api [--port N] [--api-key K] [--latency MS]"

const parseArgs = (args: ReadonlyArray<string>): FakeContainersServer.Options => {
  const options: { port?: number; apiKey?: string; latency?: number } = {}
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = (args[i] ?? "").split(/=(.*)/s, 2)
    const value = inline ?? args[++i]
    const number = () => {
      const n = Number(value)
      if (value === undefined || !Number.isInteger(n) || n < 0)
        throw new Error(`${flag} needs a whole number`)
      return n
    }
    switch (flag) {
      case "--port":
        options.port = number()
        break
      case "--api-key":
        if (value === undefined || value === "") throw new Error("--api-key needs a value")
        options.apiKey = value
        break
      case "--latency":
        options.latency = number()
        break
      default:
        throw new Error(`unknown argument: ${args[i]}`)
    }
  }
  return options
}

const main = Effect.try({
  try: () => parseArgs(process.argv.slice(2)),
  catch: (error) => (error instanceof Error ? error.message : String(error)),
}).pipe(
  Effect.tapError((message) => Console.error(`${message}\n${usage}`)),
  Effect.flatMap((options) =>
    Effect.gen(function* () {
      const url = yield* FakeContainersServer.baseUrl
      // The first line on stdout is the contract other processes read.
      process.stdout.write(`${url}\n`)
      return yield* Effect.never
    }).pipe(Effect.provide(FakeContainersServer.layer(options))),
  ),
)

NodeRuntime.runMain(main, { disableErrorReporting: false })
