/**
 * `last_active_at` and expiry, in-process on the TestClock: every request naming a container
 * moves its `last_active_at`; after `expires_after.minutes` idle it is `expired`, stays listed and
 * retrievable, and refuses every file operation with the API's 400.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { TestClock } from "effect/testing"
import * as FakeContainersApi from "../src/FakeContainersApi.js"
import { call, createContainer, errorBody, fake, send, upload } from "./utils.js"

const { get, post } = HttpClientRequest
const del = HttpClientRequest.delete
const json = (body: unknown) => HttpClientRequest.bodyJsonUnsafe(body)
const Fake = FakeContainersApi.FakeContainersApi
const expired = errorBody("Container is expired.")

interface ContainerBody {
  readonly id: string
  readonly status: string
  readonly created_at: number
  readonly last_active_at: number
}
const retrieve = (id: string) =>
  Effect.map(call(get(`/containers/${id}`)), (r) => ({ status: r.status, body: r.body as ContainerBody }))

describe("last_active_at", () => {
  it.effect("moves on every request that names the container or its files, not on listings", () =>
    Effect.gen(function* () {
      const c = yield* createContainer({ name: "c" })
      const fake = yield* Fake
      const file = yield* fake.addFile(c.id, { filename: "a.txt", bytes: new Uint8Array([1]) })
      const requests = [
        get(`/containers/${c.id}`),
        get(`/containers/${c.id}/files`),
        get(`/containers/${c.id}/files/${file.id}`),
        get(`/containers/${c.id}/files/${file.id}/content`),
        get(`/containers/${c.id}/files/cfile_missing`),
        post(`/containers/${c.id}/files`).pipe(json({ file_id: "file-missing" })),
      ]
      let seconds = 0
      for (const request of requests) {
        yield* TestClock.adjust("90 seconds")
        seconds += 90
        yield* send(request)
        const [container] = yield* fake.containers
        expect([request.url, container?.last_active_at, container?.created_at]).toEqual([
          request.url,
          seconds,
          0,
        ])
      }
      // Listing containers looks at them without touching them.
      yield* TestClock.adjust("90 seconds")
      const list = yield* call(get("/containers"))
      expect((list.body as { data: Array<ContainerBody> }).data[0]?.last_active_at).toBe(seconds)
      const deleted = yield* call(del(`/containers/${c.id}/files/${file.id}`))
      expect(deleted.status).toBe(200)
      expect((yield* retrieve(c.id)).body.last_active_at).toBe(seconds + 90)
    }).pipe(Effect.provide(fake)),
  )
})

describe("expiry", () => {
  it.effect("a container idle for expires_after.minutes turns expired, to the millisecond", () =>
    Effect.gen(function* () {
      const c = yield* createContainer({ name: "c", expires_after: { anchor: "last_active_at", minutes: 1 } })
      yield* TestClock.adjust(59_999)
      // Still running, and this request makes it active again at 59.999 s.
      expect((yield* retrieve(c.id)).body).toMatchObject({ status: "running", last_active_at: 59 })
      yield* TestClock.adjust(59_999)
      expect((yield* retrieve(c.id)).body).toMatchObject({ status: "running", last_active_at: 119 })
      yield* TestClock.adjust(60_000)
      const got = yield* retrieve(c.id)
      expect(got.status).toBe(200)
      // Expired: last_active_at stays where the last activity left it.
      expect(got.body).toMatchObject({ id: c.id, status: "expired", last_active_at: 119 })
      yield* TestClock.adjust("1 hour")
      expect((yield* retrieve(c.id)).body).toMatchObject({ status: "expired", last_active_at: 119 })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("the default is 20 minutes; an expired container stays listed", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      const c = yield* createContainer({ name: "c" })
      yield* TestClock.adjust("18 minutes")
      const other = yield* createContainer({
        name: "other",
        expires_after: { anchor: "last_active_at", minutes: 5 },
      })
      yield* TestClock.adjust(119_999)
      // The control looks without touching.
      expect((yield* fake.containers).map((x) => x.status)).toEqual(["running", "running"])
      yield* TestClock.adjust(1)
      const list = yield* call(get("/containers?order=asc"))
      expect((list.body as { data: Array<ContainerBody> }).data.map((x) => [x.id, x.status])).toEqual([
        [c.id, "expired"],
        [other.id, "running"],
      ])
      expect((yield* fake.containers).map((x) => x.status)).toEqual(["expired", "running"])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("every file operation on an expired container is a 400 'Container is expired.'", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      yield* fake.addOpenAiFile({ id: "file-1", filename: "one.txt", bytes: new Uint8Array([1]) })
      const c = yield* createContainer({ name: "c", expires_after: { anchor: "last_active_at", minutes: 2 } })
      const file = yield* fake.addFile(c.id, { filename: "a.txt", bytes: new Uint8Array([1, 2]) })
      yield* TestClock.adjust("2 minutes")
      const requests = [
        get(`/containers/${c.id}/files`),
        post(`/containers/${c.id}/files`).pipe(json({ file_id: "file-1" })),
        get(`/containers/${c.id}/files/${file.id}`),
        get(`/containers/${c.id}/files/${file.id}/content`),
        del(`/containers/${c.id}/files/${file.id}`),
      ]
      for (const request of requests) {
        const res = yield* call(request)
        expect([request.method, request.url, res.status, res.body]).toEqual([
          request.method,
          request.url,
          400,
          expired,
        ])
      }
      const multipart = yield* upload(c.id, "b.txt", new Uint8Array([3]))
      expect([multipart.status, multipart.body]).toEqual([400, expired])
      expect((yield* fake.files(c.id)).map((f) => f.id)).toEqual([file.id])
      // The container itself can still be deleted.
      expect((yield* call(del(`/containers/${c.id}`))).status).toBe(200)
      expect((yield* retrieve(c.id)).status).toBe(404)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("expires_after.minutes above 20 is a 400, as the API answers", () =>
    Effect.gen(function* () {
      const res = yield* call(
        post("/containers").pipe(
          json({ name: "c", expires_after: { anchor: "last_active_at", minutes: 21 } }),
        ),
      )
      expect(res.status).toBe(400)
      expect(res.body).toEqual(
        errorBody(
          "Invalid 'expires_after.minutes': integer above maximum value. Expected a value <= 20, but got 21 instead.",
          "expires_after.minutes",
          "integer_above_max_value",
        ),
      )
      const twenty = yield* call(
        post("/containers").pipe(
          json({ name: "c", expires_after: { anchor: "last_active_at", minutes: 20 } }),
        ),
      )
      expect(twenty.status).toBe(200)
    }).pipe(Effect.provide(fake)),
  )
})

describe("controls", () => {
  it.effect("expireContainer expires at once; addFile then fails like an upload", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      const c = yield* fake.createContainer({ name: "c" })
      const done = yield* fake.expireContainer(c.id)
      expect(done).toEqual({ ...c, status: "expired" })
      expect((yield* retrieve(c.id)).body).toEqual({ ...c, status: "expired" })
      const refused = yield* Effect.flip(fake.addFile(c.id, { filename: "a", bytes: new Uint8Array(1) }))
      expect(refused).toBeInstanceOf(FakeContainersApi.ControlError)
      expect(refused).toMatchObject({
        _tag: "ControlError",
        status: 400,
        error: expired.error,
        message: "Container is expired.",
      })
      const missing = yield* Effect.flip(fake.expireContainer("cntr_missing"))
      expect(missing).toMatchObject({
        _tag: "ControlError",
        status: 404,
        error: errorBody("No container found with id 'cntr_missing'.").error,
      })
      const invalid = yield* Effect.flip(fake.createContainer({ name: "c", memory_limit: "2g" }))
      expect(invalid).toMatchObject({ _tag: "ControlError", status: 400, error: { param: "memory_limit" } })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("addFile counts as activity", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      const c = yield* fake.createContainer({
        name: "c",
        expires_after: { anchor: "last_active_at", minutes: 1 },
      })
      yield* TestClock.adjust(59_000)
      yield* fake.addFile(c.id, { filename: "a", bytes: new Uint8Array(1) })
      yield* TestClock.adjust(59_000)
      expect((yield* retrieve(c.id)).body).toMatchObject({ status: "running", last_active_at: 118 })
    }).pipe(Effect.provide(fake)),
  )
})
