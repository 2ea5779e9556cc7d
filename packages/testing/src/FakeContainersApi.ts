/**
 * A faithful, stateful fake of the OpenAI Containers API for tests: containers and their files in
 * memory with real bytes, the spec's pagination and errors, bearer auth, containers that expire
 * when idle, the API's response headers and a request budget, a request log and scripted faults.
 * The same app is served in-process (`layerClient`) and over real HTTP (`FakeContainersServer`).
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as internalClient from "./internal/client.js"
import type { ControlError } from "./internal/errors.js"
import * as internalService from "./internal/service.js"
import type { ContainerFileJson, ContainerJson } from "./internal/store.js"

export {
  /**
   * A control (`createContainer`, `addFile`, `expireContainer`) refused, with the status and the
   * `error` object the API would answer the same request with.
   *
   * @since 1.0.0
   * @category errors
   */
  ControlError,
  /**
   * The `error` object of an API error body: `{ message, type, param, code }`.
   *
   * @since 1.0.0
   * @category models
   */
  type ErrorObject,
} from "./internal/errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The one bearer key accepted; when omitted any non-empty bearer token is. */
  readonly apiKey?: string | undefined
  /** Added before every response (measured with Effect's `Clock`, so `TestClock` drives it). */
  readonly latency?: Duration.DurationInput | undefined
  /**
   * The request budget: at most `requests` per `per` (default 1 minute), replenished
   * continuously, on Effect's `Clock`. Every response reports it in `x-ratelimit-*-requests`; a
   * request over it gets a 429 with `Retry-After` and `retry-after-ms`. Default 10,000,000 a
   * minute, which no test runs out of. Dies unless both are whole numbers (milliseconds) >= 1.
   */
  readonly rateLimit?:
    | { readonly requests: number; readonly per?: Duration.DurationInput | undefined }
    | undefined
}

/**
 * A container as the API returns it (`ContainerResource`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Container extends ContainerJson {}

/**
 * A container file as the API returns it (`ContainerFileResource`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ContainerFile extends ContainerFileJson {}

/**
 * What a fault does to a matching request.
 *
 * - `Status`: answer with this status instead (the request is not processed); `body` defaults to
 *   an OpenAI-shaped JSON error.
 * - `Latency`: wait `millis` (Effect's `Clock`), then answer normally.
 * - `ResetMidBody`: process the request, send the real headers and `afterBytes` of the body
 *   (default half), then break the connection (in-process: the body stream fails).
 * - `TruncatedBody`: process the request, then send the first half of the body, ending cleanly
 *   (`content-length` matches the prefix).
 * - `MalformedJson`: process the request, then send a body that is not valid JSON.
 * - `Stall`: withhold the headers (the request is processed after the pause), or, with
 *   `afterBytes`, pause the body after that many bytes; for `millis`, or forever when `millis`
 *   is omitted. After the pause the response completes.
 *
 * @since 0.1.0
 * @category faults
 */
export type Fault =
  | {
      readonly _tag: "Status"
      readonly status: number
      readonly headers?: Readonly<Record<string, string>> | undefined
      readonly body?: string | undefined
    }
  | { readonly _tag: "Latency"; readonly millis: number }
  | { readonly _tag: "ResetMidBody"; readonly afterBytes?: number | undefined }
  | { readonly _tag: "TruncatedBody" }
  | { readonly _tag: "MalformedJson" }
  | { readonly _tag: "Stall"; readonly millis?: number | undefined; readonly afterBytes?: number | undefined }

/**
 * A scripted fault: applied to the next `times` (default 1) requests that match, or, with
 * `fraction`, to that seeded-random share of them (unlimited unless `times` is given). `path`
 * matches the request path as sent (still percent-encoded), without the query.
 *
 * @since 0.1.0
 * @category faults
 */
export interface FaultSpec {
  readonly match?:
    | { readonly method?: string | undefined; readonly path?: string | RegExp | undefined }
    | undefined
  readonly times?: number | undefined
  readonly fraction?: number | undefined
  readonly seed?: number | undefined
  readonly fault: Fault
}

/**
 * One request as the fake received it. `path` is as sent (percent-encoded); `query` is decoded;
 * `bodySize` counts the body bytes read; `fileSha256` is the hex SHA-256 of an uploaded file.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly bodySize: number
  readonly fileSha256: string | undefined
  readonly requestId: string
  /** The status answered, `undefined` while in flight (or stalled). */
  readonly status: number | undefined
  readonly fault: Fault["_tag"] | undefined
}

/**
 * A file in the account's Files API that `file_id` (and a container's `file_ids`) may name.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenAiFile {
  readonly id: string
  readonly filename: string
  readonly bytes: Uint8Array
}

/**
 * The fake's state and the controls a test uses.
 *
 * @since 0.1.0
 * @category services
 */
export interface Service {
  /** The app both transports serve. */
  readonly app: HttpApp.Default
  /** Seeds a file of the Files API; the id defaults to `file-` + 24 hex. */
  readonly addOpenAiFile: (file: {
    readonly id?: string | undefined
    readonly filename: string
    readonly bytes: Uint8Array
  }) => Effect.Effect<OpenAiFile>
  /** Creates a container directly, with the API's validation and defaults. */
  readonly createContainer: (body: {
    readonly name: string
    readonly [key: string]: unknown
  }) => Effect.Effect<Container, ControlError>
  /**
   * Adds a file to a container directly (no request, no log entry). Like an upload, it counts as
   * activity, and fails (400 `Container is expired.`) on an expired container.
   */
  readonly addFile: (
    containerId: string,
    file: { readonly filename: string; readonly bytes: Uint8Array },
  ) => Effect.Effect<ContainerFile, ControlError>
  /**
   * Expires a container at once, as if it had sat idle for its `expires_after` minutes: it stays
   * listed and retrievable with `status: "expired"`, and its file operations fail with a 400.
   */
  readonly expireContainer: (containerId: string) => Effect.Effect<Container, ControlError>
  /** Every container, with its status as of now. */
  readonly containers: Effect.Effect<ReadonlyArray<Container>>
  /** A container's files, in creation order (empty for an unknown container). */
  readonly files: (containerId: string) => Effect.Effect<ReadonlyArray<ContainerFile>>
  /** The stored bytes of a file, or `None` when it does not exist. */
  readonly fileBytes: (containerId: string, fileId: string) => Effect.Effect<Option.Option<Uint8Array>>
  /** Adds a fault rule; dies when `times` is below 1 or `fraction` outside 0..1. */
  readonly injectFault: (spec: FaultSpec) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** Every request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  readonly clearRequests: Effect.Effect<void>
  /** Forgets everything: containers, files, seeded files, faults and the request log; refills the budget. */
  readonly reset: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category services
 */
export class FakeContainersApi extends Context.Tag("@openai-containers/testing/FakeContainersApi")<
  FakeContainersApi,
  Service
>() {}

/**
 * Builds a fresh fake with empty state. Its times (`created_at`, `last_active_at`, expiry, the
 * request budget) come from the `Clock` of whichever fiber runs a request or a control.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  internalService.make(options, undefined)

/**
 * The fake alone, for serving it yourself (see `FakeContainersServer` for real HTTP).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<FakeContainersApi> =>
  Layer.effect(FakeContainersApi, make(options))

/**
 * An in-process `HttpClient` backed by the fake (no sockets), with the fake's controls. Point
 * the client under test at `http://fake.local/v1` (any host works; paths start with `/v1`).
 * Bodies are never compressed here: an in-process client, like `fetch`, hands back decoded
 * bodies (only `FakeContainersServer` sends gzip).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (options: Options = {}): Layer.Layer<HttpClient.HttpClient | FakeContainersApi> =>
  Layer.effectContext(
    Effect.map(make(options), (service) =>
      Context.make(FakeContainersApi, service).pipe(
        Context.add(HttpClient.HttpClient, internalClient.make(service.app)),
      ),
    ),
  )

/**
 * The base URL to use with `layerClient`.
 *
 * @since 0.1.0
 * @category constants
 */
export const baseUrl = "http://fake.local/v1"
