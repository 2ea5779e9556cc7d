/**
 * The `fake-containers-api` command as users run it: `bin/fake-containers-api.mjs` on plain
 * Node, loading the package's built JavaScript. The package is built first, so the command
 * under test is the one that ships.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { containerId } from "./utils.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
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
  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
    await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: packageDir })
  }, 120_000)

  it.effect("prints its base URL first and serves with the key it was given", () =>
    Effect.promise(async () => {
      const { child, url, exited } = await start(["--port", "0", "--api-key", "sk-cli", "--latency", "5"])
      try {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
        const ok = await fetch(`${url}/containers`, {
          method: "POST",
          headers: { authorization: "Bearer sk-cli", "content-type": "application/json" },
          body: JSON.stringify({ name: "cli" }),
        })
        expect(ok.status).toBe(200)
        expect(((await ok.json()) as { id: string }).id).toMatch(containerId)
        const denied = await fetch(`${url}/containers`, { headers: { authorization: "Bearer other" } })
        expect(denied.status).toBe(401)
      } finally {
        child.kill("SIGTERM")
      }
      expect(await exited).toEqual({ code: 0, signal: null })
    }),
  )

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

  it.effect("exits with an error and the usage on a bad argument", () =>
    Effect.promise(async () => {
      const { stderr, code } = await new Promise<{ stderr: string; code: number | null }>((resolve) => {
        const child = spawn(process.execPath, [bin, "--port", "many"])
        let stderr = ""
        child.stderr.on("data", (data: Buffer) => {
          stderr += data.toString()
        })
        child.on("exit", (code) => resolve({ stderr, code }))
      })
      expect(code).not.toBe(0)
      expect(stderr).toContain("--port needs a whole number")
      expect(stderr).toContain("usage: fake-containers-api")
    }),
  )
})
