/**
 * Fidelity over HTTP only, shared by both lines: the official `openai` SDK, unmodified, against a
 * `fake-containers-api` command started as a child process. Every Containers and Container Files
 * call the SDK has must work and return exactly what the API would.
 *
 * Plain TypeScript: no Effect, no test runner of its own, so it lives in one place (here, in the
 * Effect 3 package, whose `openai` devDependency it imports) and each line imports it. A line runs
 * it by handing over its runner's functions and the path of its command, e.g. (Effect 3, this
 * package, `OpenAiSdk.http.test.ts`; Effect 4 imports `../../../testing/test/http/sdkSuite.js`):
 *
 *     import { afterAll, beforeAll, describe, it } from "vitest"
 *     import { sdkSuite } from "./http/sdkSuite.js"
 *     sdkSuite({ describe, it, beforeAll, afterAll }, { bin: fileURLToPath(new URL("../bin/fake-containers-api.mjs", import.meta.url)) })
 *
 * The command runs the line's built JavaScript: each line's vitest builds it first (`test/build.ts`).
 * What needs the fake's controls (seeded Files API files, the request log, expiry, a request
 * budget, gzipped downloads) is tested by each line beside its in-process API (`OpenAiSdk.test.ts`).
 */
import * as assert from "node:assert/strict"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import type { Readable } from "node:stream"
import OpenAI, { toFile } from "openai"

/** The parts of a test runner the suite uses (vitest's, or any with the same shape). */
export interface Runner {
  readonly describe: (name: string, body: () => void) => void
  readonly it: (name: string, body: () => Promise<void>, timeout?: number) => void
  readonly beforeAll: (body: () => Promise<void>, timeout?: number) => void
  readonly afterAll: (body: () => Promise<void>, timeout?: number) => void
}

export interface Options {
  /** The line's `fake-containers-api` command (a file `node` runs). */
  readonly bin: string
  /** How long starting or stopping the command may take (a TypeScript runner is slower). Default 30 s. */
  readonly startTimeout?: number | undefined
}

const apiKey = "sk-sdk-http-test"
const requestId = /^req_[0-9a-f]{32}$/
const containerId = /^cntr_[0-9a-f]{48}$/
const fileId = /^cfile_[0-9a-f]{32}$/

/** A running command: its base URL, and a way to stop it that tells how it exited. */
interface Command {
  readonly baseUrl: string
  readonly stop: () => Promise<{ readonly code: number | null; readonly signal: string | null }>
}

/** Runs the command to its end (for arguments that make it exit at once). */
const runToEnd = (bin: string, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (data: Buffer) => {
      stdout += data.toString()
    })
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString()
    })
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** Starts the command and waits for the first line on stdout, which must be the base URL. */
const start = (bin: string, args: ReadonlyArray<string>) =>
  new Promise<Command>((resolve, reject) => {
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [bin, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    })
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.on("exit", (code, signal) => done({ code, signal })),
    )
    let out = ""
    let err = ""
    child.stderr.on("data", (data: Buffer) => {
      err += data.toString()
    })
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString()
      const newline = out.indexOf("\n")
      if (newline === -1) return
      resolve({
        baseUrl: out.slice(0, newline),
        stop: () => {
          child.kill("SIGTERM")
          return exited
        },
      })
    })
    child.on("error", reject)
    void exited.then(({ code }) => reject(new Error(`exited (${code}) before printing a URL: ${out}${err}`)))
  })

/** The rejection of an SDK call (it must reject). */
const rejection = (f: () => Promise<unknown>): Promise<unknown> =>
  f().then(
    () => assert.fail("expected the call to fail"),
    (error: unknown) => error,
  )

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const out: Array<A> = []
  for await (const item of iterable) out.push(item)
  return out
}

/** The SDK's error of a class, checked to be one. */
const apiError = <C extends abstract new (...args: never) => InstanceType<typeof OpenAI.APIError>>(
  error: unknown,
  type: C,
) => {
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`)
  return error as InstanceType<C>
}

const now = () => Math.floor(Date.now() / 1000)

/** Deletes every container, so a test starts from an empty server without its controls. */
const clear = async (client: OpenAI) => {
  for (const container of await collect(client.containers.list())) {
    await client.containers.delete(container.id)
  }
}

export const sdkSuite = (runner: Runner, options: Options): void => {
  const { describe, it, beforeAll, afterAll } = runner
  const timeout = options.startTimeout ?? 30_000

  describe("the official openai SDK against the fake-containers-api command", () => {
    let command: Command | undefined
    let client: OpenAI
    beforeAll(async () => {
      command = await start(options.bin, ["--port", "0", "--api-key", apiKey])
      client = new OpenAI({ apiKey, baseURL: command.baseUrl, maxRetries: 0 })
    }, timeout)
    afterAll(async () => {
      // SIGTERM is the normal way to stop it: exit code 0.
      const exit = await command?.stop()
      assert.deepEqual(exit, { code: 0, signal: null })
    }, timeout)

    it("prints http://127.0.0.1:PORT/v1 first and accepts only its --api-key", async () => {
      assert.match(command?.baseUrl ?? "", /^http:\/\/127\.0\.0\.1:\d+\/v1$/)
      const wrongKey = new OpenAI({ apiKey: "sk-wrong", baseURL: client.baseURL, maxRetries: 0 })
      const unauthorized = apiError(
        await rejection(() => wrongKey.containers.list()),
        OpenAI.AuthenticationError,
      )
      assert.equal(unauthorized.status, 401)
      assert.equal(unauthorized.code, "invalid_api_key")
    })

    it("containers: create, retrieve, list, delete", async () => {
      await clear(client)
      const before = now()
      const created = await client.containers.create({
        name: "My Container",
        memory_limit: "4g",
        expires_after: { anchor: "last_active_at", minutes: 10 },
        network_policy: { type: "allowlist", allowed_domains: ["api.buildkite.com"] },
      })
      assert.match(created.id, containerId)
      assert.deepEqual(created, {
        id: created.id,
        object: "container",
        name: "My Container",
        created_at: created.created_at,
        status: "running",
        last_active_at: created.created_at,
        expires_after: { anchor: "last_active_at", minutes: 10 },
        memory_limit: "4g",
        network_policy: { type: "allowlist", allowed_domains: ["api.buildkite.com"] },
      })
      assert.ok(created.created_at >= before && created.created_at <= now())

      const plain = await client.containers.create({
        name: "plain",
        network_policy: { type: "disabled" },
        skills: [{ type: "skill_reference", skill_id: "openai-spreadsheets", version: "latest" }],
      })
      assert.equal(plain.memory_limit, "1g")
      assert.deepEqual(plain.expires_after, { anchor: "last_active_at", minutes: 20 })
      assert.deepEqual(plain.network_policy, { type: "disabled" })

      // Retrieving is activity: last_active_at moves to this second (listing does not move it).
      const retrieved = await client.containers.retrieve(created.id)
      assert.deepEqual(retrieved, { ...created, last_active_at: retrieved.last_active_at })
      assert.ok(retrieved.last_active_at !== undefined)
      assert.ok(retrieved.last_active_at >= created.created_at && retrieved.last_active_at <= now())

      assert.deepEqual(await collect(client.containers.list()), [plain, retrieved])
      assert.deepEqual(await collect(client.containers.list({ order: "asc", limit: 1 })), [retrieved, plain])
      const page = await client.containers.list({ limit: 1 })
      assert.deepEqual(page.data, [plain])
      assert.equal(page.has_more, true)
      assert.deepEqual(await collect(client.containers.list({ name: "plain" })), [plain])

      // The SDK types delete as `void`, but at run time it hands back the body the API sends.
      assert.deepEqual(await client.containers.delete(created.id), {
        id: created.id,
        object: "container.deleted",
        deleted: true,
      })
      const gone = apiError(
        await rejection(() => client.containers.retrieve(created.id)),
        OpenAI.NotFoundError,
      )
      assert.equal(gone.status, 404)
      assert.deepEqual(gone.error, {
        message: `No container found with id '${created.id}'.`,
        type: "invalid_request_error",
        param: null,
        code: null,
      })
      assert.match(gone.requestID ?? "", requestId)
    })

    it("container files: multipart upload, retrieve, list, content, delete", async () => {
      const container = await client.containers.create({ name: "files" })
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256))
      const uploaded = await client.containers.files.create(container.id, {
        file: await toFile(bytes, "data.bin"),
      })
      assert.match(uploaded.id, fileId)
      assert.deepEqual(uploaded, {
        id: uploaded.id,
        object: "container.file",
        created_at: uploaded.created_at,
        bytes: 70_000,
        container_id: container.id,
        path: "/mnt/data/data.bin",
        source: "user",
      })
      const csv = Buffer.from("a,b\n1,2\n")
      const second = await client.containers.files.create(container.id, {
        file: await toFile(csv, "rows.csv"),
      })
      assert.equal(second.bytes, csv.length)

      const retrieved = await client.containers.files.retrieve(uploaded.id, { container_id: container.id })
      assert.deepEqual(retrieved, uploaded)
      assert.deepEqual(await collect(client.containers.files.list(container.id)), [second, uploaded])

      const content = await client.containers.files.content.retrieve(uploaded.id, {
        container_id: container.id,
      })
      assert.equal(content.status, 200)
      assert.equal(content.headers.get("content-length"), "70000")
      assert.ok(Buffer.from(await content.arrayBuffer()).equals(bytes))

      assert.deepEqual(await client.containers.files.delete(uploaded.id, { container_id: container.id }), {
        id: uploaded.id,
        object: "container.file.deleted",
        deleted: true,
      })
      apiError(
        await rejection(() => client.containers.files.retrieve(uploaded.id, { container_id: container.id })),
        OpenAI.NotFoundError,
      )
      const missing = apiError(
        await rejection(() => client.containers.files.create(container.id, { file_id: "file-missing" })),
        OpenAI.NotFoundError,
      )
      assert.deepEqual(
        [missing.param, missing.error],
        [
          "file_id",
          {
            message: "No such File object: file-missing",
            type: "invalid_request_error",
            param: "file_id",
            code: null,
          },
        ],
      )
    })

    it("auto-pagination over 250 files with limit 100, both orders, page by page", async () => {
      const container = await client.containers.create({ name: "many" })
      const ids: Array<string> = []
      for (let i = 0; i < 250; i++) {
        const file = await client.containers.files.create(container.id, {
          file: await toFile(Buffer.from([i % 256]), `f${i}.txt`),
        })
        ids.push(file.id)
      }
      const asc = await collect(client.containers.files.list(container.id, { limit: 100, order: "asc" }))
      assert.deepEqual(
        asc.map((f) => f.id),
        ids,
      )
      assert.deepEqual(
        asc.map((f) => f.path),
        ids.map((_, i) => `/mnt/data/f${i}.txt`),
      )
      const desc = await collect(client.containers.files.list(container.id, { limit: 100, order: "desc" }))
      assert.deepEqual(
        desc.map((f) => f.id),
        [...ids].reverse(),
      )
      // Page by page: each cursor continues right after the previous page.
      const pages: Array<readonly [string | undefined, string | undefined, number, boolean]> = []
      let page = await client.containers.files.list(container.id, { limit: 100, order: "asc" })
      for (;;) {
        pages.push([page.data[0]?.id, page.data.at(-1)?.id, page.data.length, page.has_more])
        if (!page.hasNextPage()) break
        page = await page.getNextPage()
      }
      assert.deepEqual(pages, [
        [ids[0], ids[99], 100, true],
        [ids[100], ids[199], 100, true],
        [ids[200], ids[249], 50, false],
      ])
    }, 60_000)

    it("errors arrive as the SDK's typed errors", async () => {
      const badLimit = apiError(
        await rejection(() => client.containers.list({ limit: 101 })),
        OpenAI.BadRequestError,
      )
      assert.deepEqual(
        [badLimit.status, badLimit.param, badLimit.code],
        [400, "limit", "integer_above_max_value"],
      )
      const badBody = apiError(
        await rejection(() => client.containers.create({ name: "x", memory_limit: "2g" as "1g" })),
        OpenAI.BadRequestError,
      )
      assert.deepEqual(badBody.error, {
        message: "Invalid value: \"2g\". Supported values are: '1g', '4g', '16g', '64g'.",
        type: "invalid_request_error",
        param: "memory_limit",
        code: "invalid_value",
      })
      const noContainer = apiError(
        await rejection(() => client.containers.files.list("cntr_missing")),
        OpenAI.NotFoundError,
      )
      assert.deepEqual(noContainer.error, {
        message: "No container found with id 'cntr_missing'.",
        type: "invalid_request_error",
        param: null,
        code: null,
      })
    })

    it("JSON arrives gzipped with the API's headers; downloads arrive as stored", async () => {
      const container = await client.containers.create({ name: "headers" })
      const { data, response } = await client.containers.retrieve(container.id).withResponse()
      assert.deepEqual(data, { ...container, last_active_at: data.last_active_at })
      // fetch asks for gzip, decodes the body and keeps the header: the SDK saw a gzipped response.
      assert.equal(response.headers.get("content-encoding"), "gzip")
      assert.match(response.headers.get("x-request-id") ?? "", requestId)
      assert.match(response.headers.get("openai-processing-ms") ?? "", /^\d+$/)
      assert.equal(response.headers.get("x-ratelimit-limit-requests"), "10000000")
      // The default budget drains in microseconds: on the real clock, a request or two spent.
      assert.ok(Number(response.headers.get("x-ratelimit-remaining-requests")) >= 9_999_998)
      assert.match(response.headers.get("x-ratelimit-reset-requests") ?? "", /^\d+ms$|^0s$/)

      const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 256))
      const file = await client.containers.files.create(container.id, { file: await toFile(bytes, "a.bin") })
      const content = await client.containers.files.content.retrieve(file.id, { container_id: container.id })
      assert.equal(content.headers.get("content-encoding"), null)
      assert.equal(content.headers.get("content-length"), "10000")
      assert.ok(Buffer.from(await content.arrayBuffer()).equals(bytes))
    })
  })

  describe("the fake-containers-api command's options", () => {
    it(
      "--latency delays every response (openai-processing-ms counts it); --port takes a given port",
      async () => {
        // A port that was free a moment ago: the command must listen exactly there.
        const probe = await start(options.bin, ["--port", "0"])
        const port = Number(new URL(probe.baseUrl).port)
        await probe.stop()
        const command = await start(options.bin, ["--port", String(port), "--latency", "200"])
        try {
          assert.equal(command.baseUrl, `http://127.0.0.1:${port}/v1`)
          // Without --api-key any non-empty bearer token is accepted.
          const client = new OpenAI({ apiKey: "anything", baseURL: command.baseUrl, maxRetries: 0 })
          const started = Date.now()
          const { response } = await client.containers.list().withResponse()
          assert.ok(Date.now() - started >= 200)
          assert.ok(Number(response.headers.get("openai-processing-ms")) >= 200)
        } finally {
          assert.deepEqual(await command.stop(), { code: 0, signal: null })
        }
      },
      timeout * 3,
    )

    it(
      "--help prints the usage and exits 0; a bad argument exits 1 with the usage on stderr",
      async () => {
        const usage = "usage: fake-containers-api [--port N] [--api-key K] [--latency MS]"
        const help = await runToEnd(options.bin, ["--help"])
        assert.deepEqual([help.code, help.stdout.trim()], [0, usage])
        const bad = await runToEnd(options.bin, ["--port", "x"])
        assert.deepEqual(
          [bad.code, bad.stdout, bad.stderr.trim()],
          [1, "", `--port needs a whole number\n${usage}`],
        )
        const unknown = await runToEnd(options.bin, ["--colour"])
        assert.deepEqual([unknown.code, unknown.stderr.trim()], [1, `unknown argument: --colour\n${usage}`])
      },
      timeout * 3,
    )
  })
}
