#!/usr/bin/env node
// Runs the TypeScript entry point directly (no build step): tsx compiles it on load.
import { register } from "tsx/esm/api"

register()
await import("../src/bin.ts")
