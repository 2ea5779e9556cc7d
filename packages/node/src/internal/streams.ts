/**
 * Node `Readable`s and Effect `Stream`s, both ways, with backpressure: a response body read
 * as a `Stream`, and a `Stream` request body handed to undici as a `Readable`.
 */
import { Readable } from "node:stream"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"

const ignore = () => {}

/**
 * How much a response body may queue for a consumer that has not pulled yet. Well above one
 * socket read (64 KiB): at 64 KiB the body was paused after nearly every chunk of a fast
 * download and resumed on the next pull, which cost about a tenth of the client's CPU.
 */
export const queueLimit = 1024 * 1024

/** An idle timeout kept by `fromReadable` itself. */
export interface Idle<E> {
  readonly timeout: Duration.Duration
  readonly onIdle: () => E
}

/**
 * A `Readable` as a `Stream`, chunks as the readable delivers them (never copied together).
 * Backpressure: the readable is paused once 1 MiB waits for the consumer and resumed when it
 * pulls; a paused undici body stops reading its socket. If the stream ends before the readable
 * did (the consumer stopped, failed or was interrupted), the readable is destroyed, which
 * aborts its request.
 *
 * With `idle`, the stream fails with `onIdle()` once a pull has waited `timeout` (on the
 * Effect `Clock`) for a chunk. One watchdog fiber per stream checks the wait; the chunks pass
 * no fiber but the consumer's.
 */
export const fromReadable = <E, E2 = never>(
  readable: Readable,
  onError: (cause: unknown) => E,
  idle?: Idle<E2>,
): Stream.Stream<Uint8Array, E | E2> => {
  const make = (
    clock: Clock.Clock | undefined,
  ): { readonly stream: Stream.Stream<Uint8Array, E | E2>; readonly watch: Effect.Effect<void> } => {
    let queue: Array<Uint8Array> = []
    let queued = 0
    let ended = false
    let wake: (() => void) | undefined
    // When the pull now waiting began to wait; -1 while none waits.
    let waitingSince = -1
    // Boxed: `onIdle()` may return any value, `undefined` included.
    let idleFailure: { readonly error: E2 } | undefined
    const notify = () => {
      const resume = wake
      wake = undefined
      waitingSince = -1
      resume?.()
    }
    const onData = (chunk: Uint8Array) => {
      queue.push(chunk)
      queued += chunk.byteLength
      if (queued >= queueLimit) readable.pause()
      notify()
    }
    const onEnd = () => {
      ended = true
      notify()
    }
    readable.on("data", onData)
    readable.on("end", onEnd)
    readable.on("close", notify)
    // Stays after the stream is done: an error emitted later (the readable failing as the
    // stream stops, or destroyed by it) is already handled and must not crash the process.
    readable.on("error", ignore)

    const pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E | E2>> = Effect.suspend(() => {
      if (queue.length > 0) {
        const chunks = Chunk.unsafeFromArray(queue)
        queue = []
        queued = 0
        if (!ended && readable.isPaused()) readable.resume()
        return Effect.succeed(chunks)
      }
      if (ended) return Effect.fail(Option.none())
      if (idleFailure !== undefined) return Effect.fail(Option.some(idleFailure.error))
      if (readable.destroyed) {
        const cause = readable.errored ?? new Error("the body closed before its end")
        return Effect.fail(Option.some(onError(cause)))
      }
      return Effect.async<Chunk.Chunk<Uint8Array>, Option.Option<E | E2>>((resume) => {
        if (clock !== undefined) waitingSince = clock.unsafeCurrentTimeMillis()
        wake = () => resume(pull)
        return Effect.sync(() => {
          wake = undefined
          waitingSince = -1
        })
      })
    })

    // Sleeps until the current wait could reach the timeout, then fails it if it has.
    const millis = idle === undefined ? 0 : Duration.toMillis(idle.timeout)
    const watch: Effect.Effect<void> = Effect.suspend(() => {
      if (clock === undefined || idle === undefined) return Effect.void
      if (waitingSince < 0) return Effect.zipRight(Effect.sleep(millis), watch)
      const waited = clock.unsafeCurrentTimeMillis() - waitingSince
      if (waited < millis) return Effect.zipRight(Effect.sleep(millis - waited), watch)
      idleFailure = { error: idle.onIdle() }
      notify()
      return Effect.void
    })

    const stream = Stream.repeatEffectChunkOption(pull).pipe(
      Stream.ensuring(
        Effect.sync(() => {
          readable.off("data", onData)
          readable.off("end", onEnd)
          readable.off("close", notify)
          if (!ended) readable.destroy()
        }),
      ),
    )
    return { stream, watch }
  }
  if (idle === undefined) return Stream.suspend(() => make(undefined).stream)
  return Stream.unwrapScoped(
    Effect.flatMap(Effect.clock, (clock) => {
      const { stream, watch } = make(clock)
      return Effect.as(Effect.forkScoped(watch), stream)
    }),
  )
}

/**
 * A `Stream` as a `Readable` for undici to send. The stream runs in its own fiber, started on
 * the first read, and waits whenever the readable's buffer is full. A failure of the stream
 * destroys the readable with it (undici then aborts the request); destroying the readable
 * (undici aborted, or finished early) interrupts the stream.
 */
class StreamReadable extends Readable {
  private fiber: Fiber.RuntimeFiber<void, unknown> | undefined
  private wanted: (() => void) | undefined

  constructor(
    private readonly stream: Stream.Stream<Uint8Array, unknown>,
    private readonly runtime: Runtime.Runtime<never>,
  ) {
    super({ highWaterMark: 64 * 1024 })
  }

  override _read(): void {
    if (this.fiber !== undefined) {
      const resume = this.wanted
      this.wanted = undefined
      resume?.()
      return
    }
    // Interruptible even if the request was sent from an uninterruptible region: destroying
    // the readable must always stop the stream and release what it holds (an open file).
    const fiber = Runtime.runFork(this.runtime)(
      Effect.interruptible(Stream.runForEachChunk(this.stream, (chunk) => this.pushChunk(chunk))),
    )
    this.fiber = fiber
    fiber.addObserver((exit) => {
      if (this.destroyed) return
      if (Exit.isSuccess(exit)) this.push(null)
      else this.destroy(toError(Cause.squash(exit.cause)))
    })
  }

  /** Pushes every piece; waits for the next `_read` if the buffer is full. */
  private pushChunk(chunk: Chunk.Chunk<Uint8Array>): Effect.Effect<void> {
    return Effect.suspend(() => {
      let more = true
      for (const piece of chunk) {
        if (piece.byteLength > 0) more = this.push(piece)
      }
      if (more || this.destroyed) return Effect.void
      return Effect.async<void>((resume) => {
        this.wanted = () => resume(Effect.void)
      })
    })
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.wanted = undefined
    this.fiber?.unsafeInterruptAsFork(FiberId.none)
    callback(error)
  }
}

const toError = (cause: unknown): Error =>
  cause instanceof Error ? cause : new Error(`the body stream failed: ${String(cause)}`, { cause })

export const toReadable = (
  stream: Stream.Stream<Uint8Array, unknown>,
  runtime: Runtime.Runtime<never>,
): Readable => new StreamReadable(stream, runtime)
