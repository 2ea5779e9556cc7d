/**
 * File contents kept as a list of segments, so a large upload is copied once (out of the request's
 * buffers, which a client may reuse) and never concatenated, and a download streams the same segments.
 */
import { createHash } from "node:crypto"
import * as Stream from "effect/Stream"

const segmentSize = 1024 * 1024

/** @internal */
export interface Content {
  readonly segments: ReadonlyArray<Uint8Array>
  readonly size: number
  readonly sha256: string
}

/** Accumulates bytes into fixed-size segments while hashing them. @internal */
export class ContentBuilder {
  private readonly segments: Array<Uint8Array> = []
  private current: Uint8Array | undefined
  private used = 0
  private size = 0
  private readonly hash = createHash("sha256")

  append(chunk: Uint8Array): void {
    this.hash.update(chunk)
    this.size += chunk.length
    let offset = 0
    while (offset < chunk.length) {
      if (this.current === undefined || this.used === this.current.length) {
        // Segments grow with the file (up to 1 MiB) so a tiny file does not hold a large buffer.
        this.current = new Uint8Array(Math.min(segmentSize, Math.max(chunk.length - offset, this.size)))
        this.segments.push(this.current)
        this.used = 0
      }
      const n = Math.min(chunk.length - offset, this.current.length - this.used)
      this.current.set(chunk.subarray(offset, offset + n), this.used)
      this.used += n
      offset += n
    }
  }

  finish(): Content {
    const last = this.segments.length - 1
    if (last >= 0 && this.current !== undefined) {
      // The last segment is trimmed to what was written so the list reads back exactly.
      this.segments[last] = this.current.subarray(0, this.used)
    }
    return { segments: this.segments, size: this.size, sha256: this.hash.digest("hex") }
  }
}

/** @internal */
export const fromBytes = (bytes: Uint8Array): Content => {
  const builder = new ContentBuilder()
  builder.append(bytes)
  return builder.finish()
}

/** @internal */
export const toStream = (content: Content): Stream.Stream<Uint8Array> => Stream.fromIterable(content.segments)

/** @internal */
export const toBytes = (content: Content): Uint8Array => {
  const out = new Uint8Array(content.size)
  let offset = 0
  for (const segment of content.segments) {
    out.set(segment, offset)
    offset += segment.length
  }
  return out
}

/** @internal */
export const randomHex = (length: number): string => {
  const bytes = new Uint8Array(Math.ceil(length / 2))
  globalThis.crypto.getRandomValues(bytes)
  let out = ""
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0")
  return out.slice(0, length)
}
