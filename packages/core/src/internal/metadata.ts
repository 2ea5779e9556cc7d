/**
 * Where `ContainersClient.withResponse` collects what the responses of its effect said besides
 * their bodies. A fiber ref, so only the effect it wraps reports to it.
 */
import * as FiberRef from "effect/FiberRef"

/** What a successful response said besides its body. */
export interface ResponseMetadata {
  readonly status: number
  readonly requestId: string | undefined
  /** Lowercase names; credentials a server sends back blanked, the key scrubbed out. */
  readonly headers: Readonly<Record<string, string>>
}

export const currentResponseSink = FiberRef.unsafeMake<((metadata: ResponseMetadata) => void) | undefined>(
  undefined,
)
