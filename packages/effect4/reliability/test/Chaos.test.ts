/**
 * Chaos listing: 20,000 files streamed over real HTTP (the fake's server, the Node client)
 * while 30% of the page requests fail, across every transient fault kind, from a fixed seed.
 */
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import { FakeContainersApi } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { fakeServer, newContainer, nodeClient } from "./support.js"

const FILES = 20_000
const PAGE = 100
const FAULT_RATE = 0.3
const SEED = 20_250_501

/** Every transient fault kind the policy must ride out, each a name and a fault. */
const kinds: ReadonlyArray<readonly [string, FakeContainersApi.Fault]> = [
  ["503 with a JSON body", { _tag: "Status", status: 503 }],
  [
    "500 with an HTML body",
    {
      _tag: "Status",
      status: 500,
      headers: { "content-type": "text/html" },
      body: "<html><body><h1>500 Internal Server Error</h1></body></html>",
    },
  ],
  ["502 with an empty body", { _tag: "Status", status: 502, body: "" }],
  ["429 with retry-after-ms: 5", { _tag: "Status", status: 429, headers: { "retry-after-ms": "5" } }],
  ["429 with Retry-After: 0", { _tag: "Status", status: 429, headers: { "retry-after": "0" } }],
  ["408", { _tag: "Status", status: 408 }],
  ["connection reset before the body", { _tag: "ResetMidBody", afterBytes: 0 }],
  ["connection reset during the body", { _tag: "ResetMidBody" }],
  ["truncated JSON", { _tag: "TruncatedBody" }],
  ["malformed JSON", { _tag: "MalformedJson" }],
  ["stall before headers, past the timeout", { _tag: "Stall", millis: 1_000 }],
  ["stall mid-body, past the timeout", { _tag: "Stall", millis: 1_000, afterBytes: 64 }],
]

describe("chaos listing over real HTTP", () => {
  it.live(
    `streams ${FILES} files exactly once, in order, through ${FAULT_RATE * 100}% seeded faults of ${kinds.length} kinds`,
    () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer("chaos")
        for (let i = 0; i < FILES; i++) {
          yield* api.addFile(container.id, { filename: `f${i}.txt`, bytes: new Uint8Array(0) })
        }
        const expected = (yield* api.files(container.id)).map((f) => f.id)
        expect(expected).toHaveLength(FILES)

        // Rules are consulted in order; rule i fires on its conditional share so that each kind
        // gets FAULT_RATE / kinds.length of all requests and together they hit FAULT_RATE.
        const share = FAULT_RATE / kinds.length
        kinds.forEach(([, fault], i) => {
          Effect.runSync(
            api.injectFault({
              match: { method: "GET", path: `/v1/containers/${container.id}/files` },
              fraction: share / (1 - share * i),
              seed: SEED + i,
              fault,
            }),
          )
        })
        yield* api.clearRequests

        const started = performance.now()
        const files = yield* Stream.runCollect(
          ContainerFiles.stream(container.id, { order: "asc", limit: PAGE }),
        ).pipe(
          nodeClient({
            timeout: "300 millis",
            maxRetries: 50,
            retrySchedule: Schedule.spaced("1 millis"),
          }),
        )
        const elapsed = performance.now() - started
        yield* api.clearFaults

        const ids = files.map((f) => f.id)
        expect(ids.length).toBe(FILES)
        expect(new Set(ids).size).toBe(FILES)
        expect(ids).toEqual(expected)

        const log = (yield* api.requests).filter((r) => r.method === "GET")
        const clean = log.filter((r) => r.fault === undefined)
        const faulted = log.filter((r) => r.fault !== undefined)
        // Every page was answered cleanly, and a faulted attempt never counted as a page. A clean
        // answer can still come after the client's timeout on a busy machine, and then the
        // page is asked for again with the same cursor: so pages are counted by cursor.
        expect(clean.every((r) => r.status === 200)).toBe(true)
        expect(new Set(clean.map((r) => r.query.after ?? "")).size).toBe(FILES / PAGE)
        const rate = faulted.length / log.length
        expect(rate).toBeGreaterThan(0.2)
        expect(rate).toBeLessThan(0.4)
        const byKind = new Map<string, number>()
        for (const r of faulted) {
          const key = r.fault === "Status" ? `${r.status}` : r.fault!
          byKind.set(key, (byKind.get(key) ?? 0) + 1)
        }
        for (const key of [
          "500",
          "502",
          "503",
          "429",
          "408",
          "ResetMidBody",
          "TruncatedBody",
          "MalformedJson",
          "Stall",
        ]) {
          expect(byKind.get(key) ?? 0).toBeGreaterThan(0)
        }
        // The cursors walked forward only: every clean page continued from the previous page's
        // end (a page asked for again repeats its cursor, never an earlier one).
        const cursors = clean.map((r) => r.query.after).filter((c, i, all) => i === 0 || c !== all[i - 1])
        expect(cursors[0]).toBeUndefined()
        expect(cursors).toHaveLength(FILES / PAGE)
        for (let p = 1; p < cursors.length; p++) expect(cursors[p]).toBe(expected[p * PAGE - 1])

        console.log(
          `chaos: ${FILES} files, ${FILES / PAGE} pages, ${log.length} attempts (${faulted.length} faulted: ${[
            ...byKind,
          ]
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}), ${Math.round(elapsed)} ms`,
        )
      }).pipe(Effect.provide(fakeServer)),
    60_000,
  )
})
