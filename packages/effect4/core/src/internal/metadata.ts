/**
 * Where `ContainersClient.withResponse` collects what the responses of its effect said besides
 * their bodies. A `Context.Reference` (Effect 4's fiber-local setting): `withResponse` provides
 * a sink around the effect it wraps, so only that effect's calls report to it; everywhere else
 * the default, no sink, applies and nothing is collected.
 */

import * as Context from "effect/Context"
import type { ResponseMetadata } from "../ContainersClient.js"

/** The sink of the innermost `withResponse`, if the call runs under one. */
export const ResponseSink = Context.Reference<((metadata: ResponseMetadata) => void) | undefined>(
  "@openai-containers/core/internal/ResponseSink",
  { defaultValue: () => undefined },
)
