/**
 * The `fake-containers-api` command as users run it: `bin/fake-containers-api.mjs` on plain
 * Node, loading the package's built JavaScript (built first by `test/build.ts`, so the command
 * under test is the one that ships). How it stops: the rest (its base URL, --api-key, --port,
 * --latency, --help, bad arguments, and the SDK against it) is in the shared HTTP-only suite
 * (`http/sdkSuite.ts`, run by `OpenAiSdk.http.test.ts`).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

const bin = fileURLToPath(new URL("../bin/fake-containers-api.mjs", import.meta.url))

interface Command {
  readonly child: ChildProcessWithoutNullStreams
  /** The first line on stdout: the base URL. */
  readonly url: string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const start = async (args: ReadonlyArray<string>): Promise<Command> => {
  const child = spawn(process.execPath, [bin, ...args])
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  )
  let err = ""
  child.stderr.on("data", (data: Buffer) => {
    err += data.toString()
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString()
      const newline = out.indexOf("\n")
      if (newline !== -1) resolve(out.slice(0, newline))
    })
    child.on("exit", () => reject(new Error(`exited before printing a URL: ${out}${err}`)))
  })
  return { child, url, exited }
}

/** Whether anything still accepts a TCP connection on the URL's port. */
const accepts = (url: string) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port: Number(new URL(url).port) })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

describe("fake-containers-api", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it.effect(`stops on ${signal}: the process exits and its port no longer accepts connections`, () =>
      Effect.promise(async () => {
        const { child, url, exited } = await start(["--port", "0"])
        expect(await accepts(url)).toBe(true)
        child.kill(signal)
        expect(await exited).toEqual({ code: 0, signal: null })
        expect(await accepts(url)).toBe(false)
      }),
    )
  }
})
