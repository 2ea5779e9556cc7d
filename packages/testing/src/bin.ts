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

class Help extends Error {}

const parseArgs = (args: ReadonlyArray<string>): FakeContainersServer.Options => {
  const options: { port?: number; apiKey?: string; latency?: number } = {}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--help" || arg === "-h") throw new Help()
    const [flag, inline] = arg.split(/=(.*)/s, 2)
    if (flag !== "--port" && flag !== "--api-key" && flag !== "--latency") {
      throw new Error(`unknown argument: ${arg}`)
    }
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
    }
  }
  return options
}

const main = Effect.try({
  try: () => parseArgs(process.argv.slice(2)),
  catch: (error) => error,
}).pipe(
  Effect.catchAll((error) =>
    error instanceof Help
      ? Effect.zipRight(Console.log(usage), Effect.interrupt)
      : Effect.zipRight(
          Console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`),
          Effect.fail(error),
        ),
  ),
  Effect.flatMap((options) =>
    Effect.gen(function* () {
      const url = yield* FakeContainersServer.baseUrl
      // The first line on stdout is the contract other processes read.
      process.stdout.write(`${url}\n`)
      return yield* Effect.never
    }).pipe(Effect.provide(FakeContainersServer.layer(options))),
  ),
)

// Bad arguments were already reported with the usage line; the exit code says the rest.
NodeRuntime.runMain(main, { disableErrorReporting: true })
