/**
 * `fake-containers-api`: starts the fake Containers API over HTTP on 127.0.0.1, prints its base
 * URL as the first line on stdout, and serves until SIGINT or SIGTERM (exit code 0).
 *
 *     fake-containers-api [--port N] [--api-key K] [--latency MS]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
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

const serve = (options: FakeContainersServer.Options) =>
  Effect.gen(function* () {
    const url = yield* FakeContainersServer.baseUrl
    // The first line on stdout is the contract other processes read.
    process.stdout.write(`${url}\n`)
    return yield* Effect.never
  }).pipe(Effect.provide(FakeContainersServer.layer(options)))

const main = Effect.try({
  try: () => parseArgs(process.argv.slice(2)),
  catch: (error) => error,
}).pipe(
  Effect.matchEffect({
    onSuccess: serve,
    onFailure: (error) =>
      error instanceof Help
        ? Console.log(usage)
        : Effect.andThen(
            Console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`),
            Effect.fail(error),
          ),
  }),
)

// Stopped by a signal is the normal end of serving: exit 0, where Effect 4 would exit 130. Bad
// arguments were already reported with the usage line; the exit code (1) says the rest.
NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
      ? onExit(0)
      : Runtime.defaultTeardown(exit, onExit),
})
