/**
 * The client service: the configured HTTP pipeline (base URL, auth, headers, timeout, retry
 * policy, page prefetch) that every endpoint in `Containers` and `ContainerFiles` runs through.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { ContainersError } from "./ContainersError.js"

/**
 * How the client talks to the API. Every field but the key has a default.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Sent as `Authorization: Bearer …`. Leave unset behind a proxy that adds it. */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** Default `https://api.openai.com/v1`. */
  readonly baseUrl?: string | undefined
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /**
   * Per attempt: the wait for response headers and a JSON body; for content streams, the
   * longest gap between two chunks. Default 10 minutes; `Duration.infinity` turns it off. Zero
   * (or less) makes every call fail with `InvalidRequestError`.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Retries after the first attempt: a whole number from 0, or `Infinity` to retry until the
   * schedule ends. Default 2. Anything else makes every call fail with `InvalidRequestError`.
   */
  readonly maxRetries?: number | undefined
  /**
   * Replaces the backoff between retries (fed the error that failed). The retry rules and
   * `maxRetries` still apply; a schedule that ends stops retrying. Default:
   * {@link defaultRetrySchedule}.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, ContainersError> | undefined
  /**
   * The longest server-asked wait (`retry-after-ms` / `Retry-After`) honoured. A longer ask
   * ends the retries with the error instead of retrying early. Default 60 seconds.
   */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /**
   * How far a `stream` or `pages` walk runs ahead of its consumer. With n > 0 (default 1) the
   * next page is asked for as soon as a page arrives, and the walk goes on while the consumer
   * works: up to n pages wait, one more waits for room, and the next one is being fetched
   * (n + 2 pages ahead at most). 0: each page is asked for only when the consumer wants it.
   * A negative or fractional n makes every call fail with `InvalidRequestError`.
   */
  readonly pagePrefetch?: number | undefined
  /**
   * Send the current span as `traceparent`/`b3` headers. Default true; turn it off when a
   * cross-origin proxy would reject those headers in a CORS preflight.
   */
  readonly tracePropagation?: boolean | undefined
}

/**
 * Options with every default filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedOptions {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: string
  readonly organization: Option.Option<string>
  readonly project: Option.Option<string>
  readonly headers: Readonly<Record<string, string>>
  readonly timeout: Duration.Duration
  readonly maxRetries: number
  readonly retrySchedule: Schedule.Schedule<unknown, ContainersError>
  readonly maxRetryAfter: Duration.Duration
  readonly pagePrefetch: number
  readonly tracePropagation: boolean
}

/**
 * Exponential backoff from 0.5 s doubling to at most 8 s, with each wait shortened by up to a
 * quarter at random so clients that failed together do not retry together.
 *
 * @since 0.1.0
 * @category retry
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, ContainersError> = Schedule.exponential(
  "500 millis",
  2,
).pipe(
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(8))),
  Schedule.jitteredWith({ min: 0.75, max: 1 }),
)

/**
 * The default API base URL.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.openai.com/v1"

const merge = (base: ResolvedOptions, options: Options): ResolvedOptions => ({
  apiKey: options.apiKey === undefined ? base.apiKey : Option.some(options.apiKey),
  baseUrl: options.baseUrl === undefined ? base.baseUrl : options.baseUrl.replace(/\/+$/, ""),
  organization: options.organization === undefined ? base.organization : Option.some(options.organization),
  project: options.project === undefined ? base.project : Option.some(options.project),
  headers: options.headers === undefined ? base.headers : { ...base.headers, ...options.headers },
  timeout: options.timeout === undefined ? base.timeout : Duration.decode(options.timeout),
  maxRetries: options.maxRetries ?? base.maxRetries,
  retrySchedule: options.retrySchedule ?? base.retrySchedule,
  maxRetryAfter:
    options.maxRetryAfter === undefined ? base.maxRetryAfter : Duration.decode(options.maxRetryAfter),
  pagePrefetch: options.pagePrefetch ?? base.pagePrefetch,
  tracePropagation: options.tracePropagation ?? base.tracePropagation,
})

/**
 * The defaults: no key, the public base URL, 10 minute timeout, 2 retries, 60 s cap on
 * server-asked waits, one page of prefetch.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: ResolvedOptions = {
  apiKey: Option.none(),
  baseUrl: defaultBaseUrl,
  organization: Option.none(),
  project: Option.none(),
  headers: {},
  timeout: Duration.minutes(10),
  maxRetries: 2,
  retrySchedule: defaultRetrySchedule,
  maxRetryAfter: Duration.seconds(60),
  pagePrefetch: 1,
  tracePropagation: true,
}

/**
 * Fills in the defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveOptions = (options: Options): ResolvedOptions => merge(defaults, options)

/**
 * The service: the HTTP client to send with and the options to send by.
 *
 * @since 0.1.0
 * @category tags
 */
export class ContainersClient extends Context.Tag("@openai-containers/core/ContainersClient")<
  ContainersClient,
  { readonly httpClient: HttpClient.HttpClient; readonly options: ResolvedOptions }
>() {}

/**
 * Builds the service from options, over whatever `HttpClient` is provided.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options,
): Effect.Effect<ContainersClient["Type"], never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (httpClient) => ({ httpClient, options: resolveOptions(options) }))

/**
 * The service from options. Provide an `HttpClient` (the Node or browser package does, or the
 * fake API for tests).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<ContainersClient, never, HttpClient.HttpClient> =>
  Layer.effect(ContainersClient, make(options))

/**
 * Each option as a `Config`, to read it from the environment or any `ConfigProvider`.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions = { readonly [K in keyof Options]?: Config.Config<Options[K]> }

/**
 * The service from `Config`. By default it reads `OPENAI_API_KEY` (as `Redacted`, optional),
 * `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`; each option given here replaces
 * its default source.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  configs: ConfigOptions = {},
): Layer.Layer<ContainersClient, ConfigError.ConfigError, HttpClient.HttpClient> => {
  const env = <A>(config: Config.Config<A>) => Config.map(Config.option(config), Option.getOrUndefined)
  const all: ConfigOptions = {
    apiKey: env(Config.redacted("OPENAI_API_KEY")),
    baseUrl: env(Config.string("OPENAI_BASE_URL")),
    organization: env(Config.string("OPENAI_ORG_ID")),
    project: env(Config.string("OPENAI_PROJECT_ID")),
    ...configs,
  }
  return Layer.effect(
    ContainersClient,
    Effect.flatMap(Config.all(all), (options) => make(options)),
  )
}

/**
 * An effect or stream that now also needs the client.
 *
 * @since 0.1.0
 * @category models
 */
export type WithClient<X> =
  // Effect first: in Effect 3 every Effect is also a Stream.
  X extends Effect.Effect<infer A, infer E, infer R>
    ? Effect.Effect<A, E, R | ContainersClient>
    : X extends Stream.Stream<infer A, infer E, infer R>
      ? Stream.Stream<A, E, R | ContainersClient>
      : never

/**
 * Changes options for one effect or stream (and everything it runs), e.g.
 * `ContainerFiles.retrieve(c, f).pipe(ContainersClient.withOptions({ maxRetries: 0 }))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withOptions =
  (options: Options) =>
  <X extends Effect.Effect<unknown, unknown, unknown> | Stream.Stream<unknown, unknown, unknown>>(
    self: X,
  ): WithClient<X> => {
    const update = (service: ContainersClient["Type"]) => ({
      ...service,
      options: merge(service.options, options),
    })
    // One body serves both shapes; the conditional type above says which comes back.
    return (
      Effect.isEffect(self)
        ? Effect.updateService(self, ContainersClient, update)
        : Stream.updateService(self as Stream.Stream<unknown, unknown, unknown>, ContainersClient, update)
    ) as WithClient<X>
  }

/**
 * The key under which an `HttpClientResponse` can offer its body with the idle timeout built
 * in (see {@link IdleTimeoutBody}).
 *
 * @since 0.1.0
 * @category transport
 */
export const IdleTimeoutBody: unique symbol = Symbol.for("@openai-containers/core/IdleTimeoutBody")

/**
 * For transports: a response that implements this watches the content stream's idle timeout
 * itself. Without it, `ContainerFiles.content` reads the body through a fiber that hands each
 * chunk on while a watchdog keeps time, which cost about a seventh of a download's CPU. The
 * Node layer's responses implement it.
 *
 * The returned stream fails with `onIdle()` once it has been pulled and no bytes have
 * arrived for `timeout` on the Effect `Clock` (so `TestClock` drives it); time the consumer
 * spends between pulls does not count. Interrupting or ending it early aborts the body.
 *
 * @since 0.1.0
 * @category transport
 */
export interface IdleTimeoutBody {
  readonly [IdleTimeoutBody]: <E>(
    timeout: Duration.Duration,
    onIdle: () => E,
  ) => Stream.Stream<Uint8Array, HttpClientError.ResponseError | E>
}

/**
 * Whether a response implements {@link IdleTimeoutBody}.
 *
 * @since 0.1.0
 * @category transport
 */
export const hasIdleTimeoutBody = (u: unknown): u is IdleTimeoutBody =>
  typeof u === "object" && u !== null && IdleTimeoutBody in u
