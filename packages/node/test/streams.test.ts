/**
 * Backpressure both ways between Node `Readable`s and Effect `Stream`s, checked on the streams
 * themselves, where it is exact (over sockets, kernel buffers blur it).
 */
import { Readable } from "node:stream"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { fromReadable, queueLimit, toReadable } from "../src/internal/streams.js"

const KiB = 1024

/** Lets every pending callback, microtask and fiber step run. */
const settle = Effect.promise(() => new Promise((resolve) => setImmediate(() => setImmediate(resolve))))

const once = (readable: Readable, event: string) =>
  Effect.async<void>((resume) => {
    readable.once(event, () => resume(Effect.void))
  })

/** An endless source that produces a 1 KiB chunk only when asked (`_read`). */
const endless = () => {
  const state = { pushed: 0 }
  const readable = new Readable({
    highWaterMark: 4 * KiB,
    read() {
      state.pushed += KiB
      this.push(Buffer.alloc(KiB, 1))
    },
  })
  return { readable, state }
}

describe("toReadable (a Stream request body)", () => {
  it.live("produces the next chunk only when the readable wants more", () =>
    Effect.gen(function* () {
      let produced = 0
      let finalized = false
      const chunk = new Uint8Array(64 * KiB)
      const source = Stream.repeatEffect(
        Effect.sync(() => {
          produced++
          return chunk
        }),
      ).pipe(Stream.ensuring(Effect.sync(() => (finalized = true))))
      const readable = toReadable(source, yield* Effect.runtime<never>())
      expect(produced).toBe(0)
      const ready = once(readable, "readable")
      yield* ready
      yield* settle
      // One chunk fills the 64 KiB buffer; the stream waits.
      expect(produced).toBe(1)
      expect(readable.read()?.byteLength).toBe(64 * KiB)
      yield* settle
      expect(produced).toBe(2)
      expect(readable.readableLength).toBe(64 * KiB)
      readable.destroy()
      yield* settle
      expect(finalized).toBe(true)
      expect(produced).toBe(2)
    }),
  )

  it.live("destroying the readable stops the stream even if it was made in an uninterruptible region", () =>
    Effect.gen(function* () {
      let finalized = false
      const source = Stream.repeatValue(new Uint8Array(64 * KiB)).pipe(
        Stream.ensuring(
          Effect.sync(() => {
            finalized = true
          }),
        ),
      )
      const runtime = yield* Effect.uninterruptible(Effect.runtime<never>())
      const readable = toReadable(source, runtime)
      yield* once(readable, "readable")
      readable.destroy()
      yield* settle
      expect(finalized).toBe(true)
    }),
  )

  it.live(
    "a stream that fails with a value that is not an Error destroys the readable with an Error holding it",
    () =>
      Effect.gen(function* () {
        const readable = toReadable(Stream.fail({ code: 42 }), yield* Effect.runtime<never>())
        const error = yield* Effect.async<Error>((resume) => {
          readable.on("error", (e) => resume(Effect.succeed(e)))
          readable.resume()
        })
        expect(error.message).toBe("the body stream failed: [object Object]")
        expect(error.cause).toEqual({ code: 42 })
      }),
  )

  it.live("a failing stream destroys the readable with the failure", () =>
    Effect.gen(function* () {
      const boom = new Error("boom")
      const readable = toReadable(
        Stream.concat(Stream.make(new Uint8Array([1, 2])), Stream.fail(boom)),
        yield* Effect.runtime<never>(),
      )
      const error = yield* Effect.async<unknown>((resume) => {
        readable.on("error", (e) => resume(Effect.succeed(e)))
        readable.resume()
      })
      expect(error).toBe(boom)
    }),
  )

  it.live("a stream that ends ends the readable with all its bytes", () =>
    Effect.gen(function* () {
      const readable = toReadable(
        Stream.make(new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])),
        yield* Effect.runtime<never>(),
      )
      const chunks = yield* Effect.promise(() => readable.toArray())
      expect(Buffer.concat(chunks)).toEqual(Buffer.from([1, 2, 3]))
    }),
  )
})

describe("fromReadable (a response body)", () => {
  it.live("reads at most 1 MiB ahead of the consumer, plus the readable's own buffer", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { readable, state } = endless()
        const pull = yield* Stream.toPull(fromReadable(readable, (e) => e))
        let consumed = 0
        for (let i = 0; i < 5; i++) {
          consumed += Chunk.reduce(yield* pull, 0, (n, c) => n + c.byteLength)
          yield* settle
        }
        yield* settle
        // The source is endless; without backpressure it would have been drained by now. The
        // stream pauses the readable once 1 MiB waits, then the readable fills its 4 KiB buffer.
        expect(consumed).toBeGreaterThanOrEqual(5 * KiB)
        expect(state.pushed - consumed).toBe(queueLimit + 4 * KiB)
        expect(queueLimit).toBe(1024 * KiB)
      }),
    ),
  )

  it.live("stopping early destroys the readable; reading to the end leaves it ended", () =>
    Effect.gen(function* () {
      const { readable } = endless()
      const taken = yield* Stream.runCollect(
        Stream.take(
          fromReadable(readable, (e) => e),
          2,
        ),
      )
      expect(Chunk.size(taken)).toBe(2)
      expect(readable.destroyed).toBe(true)

      const finite = Readable.from([Buffer.from([1]), Buffer.from([2, 3])], { objectMode: false })
      const all = yield* Stream.runCollect(fromReadable(finite, (e) => e))
      expect(Buffer.concat(Chunk.toArray(all))).toEqual(Buffer.from([1, 2, 3]))
      expect(finite.readableEnded).toBe(true)
    }),
  )

  it.live("an error of the readable fails the stream through onError", () =>
    Effect.gen(function* () {
      const boom = new Error("reset")
      const readable = new Readable({
        read() {
          this.push(Buffer.from([1]))
          this.destroy(boom)
        },
      })
      const error = yield* Effect.flip(
        Stream.runDrain(fromReadable(readable, (cause) => ({ wrapped: cause }))),
      )
      expect(error).toEqual({ wrapped: boom })
    }),
  )

  describe("with an idle timeout", () => {
    const idle = { timeout: Duration.seconds(10), onIdle: () => "idle" as const }

    /** A readable that pushes only when the test says so. */
    const manual = () => new Readable({ read() {} })

    it.effect("a pull that waits the whole timeout fails with onIdle(), and the readable is destroyed", () =>
      Effect.gen(function* () {
        const readable = manual()
        const fiber = yield* Effect.fork(Stream.runCollect(fromReadable(readable, (e) => e, idle)))
        readable.push(Buffer.from([1]))
        yield* settle
        yield* TestClock.adjust("9999 millis")
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* TestClock.adjust("1 millis")
        yield* settle
        expect(Option.isSome(yield* Fiber.poll(fiber))).toBe(true)
        expect(yield* Effect.flip(Fiber.join(fiber))).toBe("idle")
        expect(readable.destroyed).toBe(true)
      }),
    )

    it.effect("bytes within the timeout start the wait anew", () =>
      Effect.gen(function* () {
        const readable = manual()
        const fiber = yield* Effect.fork(Stream.runCollect(fromReadable(readable, (e) => e, idle)))
        for (let i = 0; i < 3; i++) {
          yield* TestClock.adjust("9 seconds")
          readable.push(Buffer.from([i]))
          yield* settle
        }
        readable.push(null)
        yield* settle
        const chunks = yield* Fiber.join(fiber)
        expect(Buffer.concat(Chunk.toArray(chunks))).toEqual(Buffer.from([0, 1, 2]))
      }),
    )

    it.effect("time the consumer spends between pulls is not idle", () =>
      Effect.gen(function* () {
        const readable = manual()
        readable.push(Buffer.from([1]))
        const seen: Array<number> = []
        const fiber = yield* Effect.fork(
          Stream.runForEach(
            fromReadable(readable, (e) => e, idle),
            (chunk) =>
              Effect.zipRight(
                Effect.sync(() => seen.push(...chunk)),
                Effect.sleep("1 minute"),
              ),
          ),
        )
        yield* settle
        // The consumer works on the first byte for a minute, six timeouts long.
        yield* TestClock.adjust("1 minute")
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        readable.push(Buffer.from([2]))
        readable.push(null)
        yield* settle
        yield* TestClock.adjust("1 minute")
        yield* settle
        expect(yield* Fiber.join(fiber)).toBeUndefined()
        expect(seen).toEqual([1, 2])
      }),
    )
  })
})
