/**
 * Scripted faults: which request gets one (the next N matching requests, or a seeded random
 * fraction of them) and how each fault rewrites the real response.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Stream from "effect/Stream"
import type { Fault, FaultSpec } from "../FakeContainersApi.js"
import { encodeBody, injectedFailure } from "./errors.js"

interface Rule {
  readonly spec: FaultSpec
  remaining: number
  readonly draw: (() => number) | undefined
}

/** The rules a test injected, consulted once per request. @internal */
export class FaultRegistry {
  private rules: Array<Rule> = []

  add(spec: FaultSpec): void {
    const times = spec.times ?? (spec.fraction === undefined ? 1 : Number.POSITIVE_INFINITY)
    if (!(times >= 1)) throw new RangeError(`injectFault: times must be >= 1, got ${times}`)
    if (spec.fraction !== undefined && !(spec.fraction >= 0 && spec.fraction <= 1)) {
      throw new RangeError(`injectFault: fraction must be within 0..1, got ${spec.fraction}`)
    }
    this.rules.push({
      spec,
      remaining: times,
      draw: spec.fraction === undefined ? undefined : seededRandom(spec.seed ?? 0),
    })
  }

  clear(): void {
    this.rules = []
  }

  /** The fault for this request, if a rule fires; a firing rule uses up one of its `times`. */
  take(method: string, path: string): Fault | undefined {
    for (const rule of this.rules) {
      if (!matches(rule.spec, method, path)) continue
      if (rule.draw !== undefined && rule.draw() >= (rule.spec.fraction ?? 0)) continue
      rule.remaining -= 1
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule)
      return rule.spec.fault
    }
    return undefined
  }
}

const matches = (spec: FaultSpec, method: string, path: string): boolean => {
  const match = spec.match
  if (match === undefined) return true
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false
  if (match.path === undefined) return true
  if (typeof match.path === "string") return match.path === path
  match.path.lastIndex = 0
  return match.path.test(path)
}

// mulberry32: a tiny deterministic PRNG, so a seeded fraction picks the same requests every run.
const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The response for a `Status` fault. @internal */
export const statusResponse = (
  fault: Extract<Fault, { _tag: "Status" }>,
): HttpServerResponse.HttpServerResponse => {
  const body = fault.body ?? encodeBody(injectedFailure(fault.status))
  const headers = fault.headers ?? {}
  const hasContentType = Object.keys(headers).some((key) => key.toLowerCase() === "content-type")
  return HttpServerResponse.text(body, {
    status: fault.status,
    headers,
    contentType: hasContentType ? undefined : looksLikeJson(body) ? "application/json" : "text/plain",
  })
}

const looksLikeJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Rewrites a real response for the faults that act on its body. @internal */
export const applyToBody = (
  fault: Fault,
  response: HttpServerResponse.HttpServerResponse,
  env: { readonly reset: Effect.Effect<never, Error>; readonly clock: Clock.Clock },
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function* () {
    const { length, stream } = bodyOf(response)
    const withBody = (body: Stream.Stream<Uint8Array, Error>, contentLength: number | undefined) =>
      HttpServerResponse.stream(body, {
        status: response.status,
        headers:
          contentLength === undefined
            ? response.headers
            : { ...response.headers, "content-length": String(contentLength) },
      })
    switch (fault._tag) {
      case "ResetMidBody": {
        const at = fault.afterBytes ?? Math.floor(length / 2)
        return withBody(insertAfter(stream, at, Stream.fromEffect(env.reset)), undefined)
      }
      case "TruncatedBody": {
        const at = Math.floor(length / 2)
        return withBody(takeBytes(stream, at), at)
      }
      case "MalformedJson": {
        const text = new TextDecoder().decode(
          yield* Effect.orDie(Stream.runFold(stream, () => new Uint8Array(0), concat)),
        )
        const bad = new TextEncoder().encode(text.endsWith("}") ? `${text.slice(0, -1)},}` : `{${text}`)
        return withBody(Stream.succeed(bad), bad.length)
      }
      case "Stall": {
        if (fault.afterBytes === undefined) return response
        const pause =
          fault.millis === undefined
            ? Effect.never
            : Effect.provideService(Effect.sleep(fault.millis), Clock.Clock, env.clock)
        return withBody(
          insertAfter(stream, fault.afterBytes, Stream.drain(Stream.fromEffect(pause))),
          undefined,
        )
      }
      default:
        return response
    }
  })

const bodyOf = (
  response: HttpServerResponse.HttpServerResponse,
): { readonly length: number; readonly stream: Stream.Stream<Uint8Array, Error> } => {
  const body = response.body
  switch (body._tag) {
    case "Uint8Array":
      return { length: body.body.length, stream: Stream.succeed(body.body) }
    case "Stream":
      return {
        length: body.contentLength ?? Number(response.headers["content-length"] ?? 0),
        stream: Stream.mapError(body.stream, (cause) => new Error("response body failed", { cause })),
      }
    default:
      return { length: 0, stream: Stream.empty }
  }
}

/** The stream with `inserted` spliced in after the first `at` bytes (or at the end). */
const insertAfter = <E>(
  stream: Stream.Stream<Uint8Array, E>,
  at: number,
  inserted: Stream.Stream<Uint8Array, E>,
): Stream.Stream<Uint8Array, E> =>
  Stream.suspend(() => {
    let seen = 0
    let spliced = false
    const split = Stream.flatMap(stream, (chunk) => {
      if (spliced || seen + chunk.length < at) {
        seen += chunk.length
        return Stream.succeed(chunk)
      }
      spliced = true
      const head = chunk.subarray(0, at - seen)
      const tail = chunk.subarray(at - seen)
      return nonEmpty(head).pipe(Stream.concat(inserted), Stream.concat(nonEmpty(tail)))
    })
    return Stream.concat(
      split,
      Stream.suspend(() => (spliced ? Stream.empty : inserted)),
    )
  })

const takeBytes = <E>(stream: Stream.Stream<Uint8Array, E>, count: number): Stream.Stream<Uint8Array, E> =>
  Stream.suspend(() => {
    let left = count
    return stream.pipe(
      Stream.map((chunk) => {
        const part = chunk.subarray(0, left)
        left -= part.length
        return part
      }),
      Stream.filter((part) => part.length > 0),
    )
  })

const nonEmpty = (bytes: Uint8Array): Stream.Stream<Uint8Array> =>
  bytes.length === 0 ? Stream.empty : Stream.succeed(bytes)

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
