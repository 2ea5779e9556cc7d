#!/usr/bin/env node
// Runs the TypeScript entry point directly (no build step): tsx compiles it on load.
import { register } from "tsx/esm/api"

// Dependencies load first with plain Node: a module already loaded skips tsx's hooks, which
// would otherwise make start-up several times slower.
await Promise.all([
  import("effect"),
  import("@effect/platform"),
  import("@effect/platform-node/NodeHttpServer"),
  import("@effect/platform-node/NodeHttpServerRequest"),
  import("@effect/platform-node/NodeRuntime"),
])
register()
await import("../src/bin.ts")
