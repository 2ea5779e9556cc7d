/**
 * The benchmark's server process: the fake Containers API over real HTTP on loopback, seeded
 * directly (no requests) with one container of `--files` small files and one of `--big-file`
 * bytes. Prints one JSON line, `{ baseUrl, listContainer, bigContainer, bigFile }`, then serves
 * until killed. The request log is cleared every second so a long run does not grow it.
 *
 *   tsx --conditions=@openai-containers/source bench/server.ts --api-key K --latency MS --files N --big-file BYTES
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

const flag = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback)
}

const apiKey = flag("api-key", "sk-bench")
const latency = Number(flag("latency", "0"))
const files = Number(flag("files", "0"))
const bigFile = Number(flag("big-file", "0"))

const main = Effect.gen(function* () {
  const api = yield* FakeContainersApi.FakeContainersApi
  const baseUrl = yield* FakeContainersServer.baseUrl
  const list = yield* api.createContainer({ name: "bench-list" })
  const small = new TextEncoder().encode("benchmark file\n")
  for (let i = 0; i < files; i++) {
    yield* api.addFile(list.id, { filename: `file-${String(i).padStart(6, "0")}.txt`, bytes: small })
  }
  const big = yield* api.createContainer({ name: "bench-transfer" })
  const bytes = new Uint8Array(bigFile)
  // Not all zeros, so nothing on the path can take a shortcut on repeated bytes.
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff
  const bigCreated = bigFile > 0 ? yield* api.addFile(big.id, { filename: "big.bin", bytes }) : undefined
  process.stdout.write(
    `${JSON.stringify({ baseUrl, listContainer: list.id, bigContainer: big.id, bigFile: bigCreated?.id })}\n`,
  )
  yield* Effect.repeat(api.clearRequests, Schedule.spaced("1 second"))
  return yield* Effect.never
}).pipe(Effect.provide(FakeContainersServer.layer({ apiKey, latency: Duration.millis(latency) })))

NodeRuntime.runMain(main)
