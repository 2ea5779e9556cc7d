/** Where `withResponse` collects response metadata: a fiber ref, so only the effect it wraps reports. */

import * as FiberRef from "effect/FiberRef"
import type { ResponseMetadata } from "../ContainersClient.js"

export const currentResponseSink = FiberRef.unsafeMake<((metadata: ResponseMetadata) => void) | undefined>(
  undefined,
)
