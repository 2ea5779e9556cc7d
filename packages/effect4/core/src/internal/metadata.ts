/**
 * Where `ContainersClient.withResponse` collects what the responses of its effect said besides
 * their bodies. A `Context.Reference` (Effect 4's fiber-local setting): `withResponse` provides
 * a sink around the effect it wraps, so only that effect's calls report to it; everywhere else
 * the default, no sink, applies and nothing is collected.
 */
import * as Context from "effect/Context"

/** What a successful response said besides its body. */
export interface ResponseMetadata {
  readonly status: number
  readonly requestId: string | undefined
  /** Lowercase names; credentials a server sends back blanked, the key scrubbed out. */
  readonly headers: Readonly<Record<string, string>>
}

/** The sink of the innermost `withResponse`, if the call runs under one. */
export const ResponseSink = Context.Reference<((metadata: ResponseMetadata) => void) | undefined>(
  "@openai-containers/core/internal/ResponseSink",
  { defaultValue: () => undefined },
)
