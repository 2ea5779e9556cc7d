/**
 * The client service: the configured HTTP pipeline (base URL, auth, headers, timeout, retry
 * policy, page prefetch) that every endpoint in `Containers` and `ContainerFiles` runs through.
 *
 * @since 2.0.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { ContainersError, InvalidRequestError } from "./ContainersError.js"
import { configure } from "./internal/configure.js"
import { ResponseSink } from "./internal/metadata.js"
import { defaultSchedule } from "./internal/retry.js"

/**
 * How the client talks to the API. Every field but the key has a default.
 *
 * @since 2.0.0
 * @category models
 */
export interface Options {
  /** Sent as `Authorization: Bearer …`. Leave unset behind a proxy that adds it. */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /**
   * Default `https://api.openai.com/v1`. May carry a path prefix and a query
   * (`https://gateway.test/openai/v1?api-version=2025-04-01`): endpoint paths go before the
   * query, which is kept on every request. Not a URL: every call fails with `InvalidRequestError`.
   */
  readonly baseUrl?: string | undefined
  /** Query parameters added to every request (after the base URL's own). */
  readonly defaultQuery?: Readonly<Record<string, string>> | undefined
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
  readonly timeout?: Duration.Input | undefined
  /**
   * Retries after the first attempt: a whole number from 0, or `Infinity` to retry until the
   * schedule ends. Default 2. Anything else makes every call fail with `InvalidRequestError`.
   */
  readonly maxRetries?: number | undefined
  /**
   * Replaces the backoff between retries (fed the error that failed). The retry rules and
   * `maxRetries` still apply; a schedule that ends stops retrying. Each call steps a fresh
   * copy of it. Default: {@link defaultRetrySchedule}.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, ContainersError> | undefined
  /**
   * The longest server-asked wait (`retry-after-ms` / `Retry-After`) honoured. A longer ask
   * ends the retries with the error instead of retrying early. Default 60 seconds.
   */
  readonly maxRetryAfter?: Duration.Input | undefined
  /**
   * How many pages a `stream` or `pages` walk buffers ahead of its consumer (default 1): the
   * next page is asked for as soon as the one before it is parsed, while the consumer works,
   * so at most n + 1 pages wait beyond the one in hand. 0: each page is asked for only when
   * the consumer wants it. A negative or fractional n makes every call fail with
   * `InvalidRequestError`.
   */
  readonly pagePrefetch?: number | undefined
  /**
   * Send the current span as `traceparent`/`b3` headers. Default true; turn it off when a
   * cross-origin proxy would reject those headers in a CORS preflight. Setting
   * `HttpClient.TracerPropagationEnabled` to false turns them off too.
   */
  readonly tracePropagation?: boolean | undefined
  /**
   * Adjusts the transport: applied to the provided `HttpClient`, beneath the library's own
   * request mapping, so a transform that wraps the execution (`HttpClient.transform`,
   * `transformResponse`, a client made with `HttpClient.make` around it) sees each request as
   * it is sent (full URL, headers). A `mapRequest` or `tapRequest` there runs before the
   * library's mapping and sees the endpoint path only. In `withOptions` it applies on top of
   * the layer's transform.
   */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/**
 * Options with every default filled in.
 *
 * @since 2.0.0
 * @category models
 */
export interface ResolvedOptions {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: string
  readonly defaultQuery: Readonly<Record<string, string>>
  readonly organization: Option.Option<string>
  readonly project: Option.Option<string>
  readonly headers: Readonly<Record<string, string>>
  readonly timeout: Duration.Duration
  readonly maxRetries: number
  readonly retrySchedule: Schedule.Schedule<unknown, ContainersError>
  readonly maxRetryAfter: Duration.Duration
  readonly pagePrefetch: number
  readonly tracePropagation: boolean
  /** The layer's transforms, composed (the identity when none was given). */
  readonly transformClient: (client: HttpClient.HttpClient) => HttpClient.HttpClient
}

/**
 * Exponential backoff from 0.5 s doubling to at most 8 s, with each wait shortened by up to a
 * quarter at random so clients that failed together do not retry together.
 *
 * @since 2.0.0
 * @category retry
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, ContainersError> = defaultSchedule

/**
 * The default API base URL.
 *
 * @since 2.0.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.openai.com/v1"

const merge = (base: ResolvedOptions, options: Options): ResolvedOptions => {
  const transform = options.transformClient
  return {
    apiKey: options.apiKey === undefined ? base.apiKey : Option.some(options.apiKey),
    baseUrl: options.baseUrl ?? base.baseUrl,
    defaultQuery:
      options.defaultQuery === undefined
        ? base.defaultQuery
        : { ...base.defaultQuery, ...options.defaultQuery },
    organization: options.organization === undefined ? base.organization : Option.some(options.organization),
    project: options.project === undefined ? base.project : Option.some(options.project),
    headers: options.headers === undefined ? base.headers : { ...base.headers, ...options.headers },
    timeout: options.timeout === undefined ? base.timeout : Duration.fromInputUnsafe(options.timeout),
    maxRetries: options.maxRetries ?? base.maxRetries,
    retrySchedule: options.retrySchedule ?? base.retrySchedule,
    maxRetryAfter:
      options.maxRetryAfter === undefined
        ? base.maxRetryAfter
        : Duration.fromInputUnsafe(options.maxRetryAfter),
    pagePrefetch: options.pagePrefetch ?? base.pagePrefetch,
    tracePropagation: options.tracePropagation ?? base.tracePropagation,
    transformClient:
      transform === undefined ? base.transformClient : (client) => transform(base.transformClient(client)),
  }
}

/**
 * The defaults: no key, the public base URL, 10 minute timeout, 2 retries, 60 s cap on
 * server-asked waits, one page of prefetch.
 *
 * @since 2.0.0
 * @category constants
 */
export const defaults: ResolvedOptions = {
  apiKey: Option.none(),
  baseUrl: defaultBaseUrl,
  defaultQuery: {},
  organization: Option.none(),
  project: Option.none(),
  headers: {},
  timeout: Duration.minutes(10),
  maxRetries: 2,
  retrySchedule: defaultRetrySchedule,
  maxRetryAfter: Duration.seconds(60),
  pagePrefetch: 1,
  tracePropagation: true,
  transformClient: (client) => client,
}

/**
 * Fills in the defaults.
 *
 * @since 2.0.0
 * @category constructors
 */
export const resolveOptions = (options: Options): ResolvedOptions => merge(defaults, options)

/**
 * What the service holds: built once per layer (and once per `withOptions`), not per call.
 *
 * @since 2.0.0
 * @category models
 */
export interface Service {
  /** The options, defaults filled in. */
  readonly options: ResolvedOptions
  /** The `HttpClient` the layer was given, before `transformClient` and the request mapping. */
  readonly transport: HttpClient.HttpClient
  /** What every request goes through: the transport with base URL, query, auth and headers applied. */
  readonly httpClient: HttpClient.HttpClient
  /** Why no call can be made with these options (a bad header, base URL, timeout, ...), if so. */
  readonly invalid: Option.Option<InvalidRequestError>
}

/**
 * The service: the configured HTTP client and the options to send by.
 *
 * @since 2.0.0
 * @category services
 */
export class ContainersClient extends Context.Service<ContainersClient, Service>()(
  "@openai-containers/core/ContainersClient",
) {}

const build = (transport: HttpClient.HttpClient, options: ResolvedOptions): Service => {
  const configured = configure(options)
  return Result.isFailure(configured)
    ? { options, transport, httpClient: transport, invalid: Option.some(configured.failure) }
    : {
        options,
        transport,
        httpClient: configured.success(options.transformClient(transport)),
        invalid: Option.none(),
      }
}

/**
 * Builds the service from options, over whatever `HttpClient` is provided. Options are
 * checked here; if no call could work with them, every call fails with that
 * `InvalidRequestError` before anything is sent.
 *
 * @since 2.0.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (transport) => build(transport, resolveOptions(options)))

/**
 * The service from options. Provide an `HttpClient` (the Node or browser package does, or the
 * fake API for tests).
 *
 * @since 2.0.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<ContainersClient, never, HttpClient.HttpClient> =>
  Layer.effect(ContainersClient, make(options))

/**
 * Each option as a `Config`, to read it from the environment or any `ConfigProvider`.
 *
 * @since 2.0.0
 * @category models
 */
export type ConfigOptions = {
  readonly [K in Exclude<keyof Options, "transformClient">]?: Config.Config<Options[K]>
} & { readonly transformClient?: Options["transformClient"] }

const fromEnv = <A>(config: Config.Config<A>) => Config.map(Config.option(config), Option.getOrUndefined)

/**
 * The service from `Config`. By default it reads `OPENAI_API_KEY` (as `Redacted`, optional),
 * `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID`; each option given here replaces
 * its default source. `transformClient` is passed as a plain function.
 *
 * @since 2.0.0
 * @category layers
 */
export const layerConfig = (
  configs: ConfigOptions = {},
): Layer.Layer<ContainersClient, Config.ConfigError, HttpClient.HttpClient> => {
  const { transformClient, ...rest } = configs
  const all = Config.all({
    apiKey: fromEnv(Config.Redacted("OPENAI_API_KEY")),
    baseUrl: fromEnv(Config.String("OPENAI_BASE_URL")),
    organization: fromEnv(Config.String("OPENAI_ORG_ID")),
    project: fromEnv(Config.String("OPENAI_PROJECT_ID")),
    ...rest,
  })
  return Layer.effect(
    ContainersClient,
    Effect.flatMap(all, (options: Options) => make({ ...options, transformClient })),
  )
}

/**
 * An effect or stream that now also needs the client.
 *
 * @since 2.0.0
 * @category models
 */
export type WithClient<X> =
  X extends Effect.Effect<infer A, infer E, infer R>
    ? Effect.Effect<A, E, R | ContainersClient>
    : X extends Stream.Stream<infer A, infer E, infer R>
      ? Stream.Stream<A, E, R | ContainersClient>
      : never

/**
 * What `withOptions` applies to: an effect or a stream.
 *
 * @since 2.0.0
 * @category models
 */
export type EffectOrStream =
  | Effect.Effect<unknown, unknown, unknown>
  | Stream.Stream<unknown, unknown, unknown>

/**
 * Changes options for one effect or stream (and everything it runs), e.g.
 * `ContainerFiles.retrieve(c, f).pipe(ContainersClient.withOptions({ maxRetries: 0 }))` or
 * `ContainersClient.withOptions(program, { timeout: "5 seconds" })`. The client is rebuilt
 * (and the options checked) once each time the effect or stream runs, not per request.
 *
 * @since 2.0.0
 * @category combinators
 */
export const withOptions: {
  (options: Options): <X extends EffectOrStream>(self: X) => WithClient<X>
  <X extends EffectOrStream>(self: X, options: Options): WithClient<X>
} = dual(2, (self: EffectOrStream, options: Options): EffectOrStream => {
  const update = (service: Service) => build(service.transport, merge(service.options, options))
  return Effect.isEffect(self)
    ? Effect.updateService(self, ContainersClient, update)
    : Stream.updateService(self, ContainersClient, update)
})

/**
 * What a successful response said besides its body: status, request id and headers (the
 * `x-ratelimit-*` ones among them), with credentials blanked and the key scrubbed out.
 *
 * @since 2.0.0
 * @category models
 */
export interface ResponseMetadata {
  readonly status: number
  readonly requestId: string | undefined
  /** Lowercase names; credentials a server sends back blanked, the key scrubbed out. */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Runs an endpoint call and returns its value with the metadata of the response it got, e.g.
 * `const [file, response] = yield* ContainersClient.withResponse(ContainerFiles.retrieve(c, f))`
 * for `response.requestId` or `response.headers["x-ratelimit-remaining-requests"]`. For an
 * effect that makes several calls, the last response wins (for `content`, the response whose
 * headers arrived). An effect that makes no API call is a defect.
 *
 * @since 2.0.0
 * @category combinators
 */
export const withResponse = <A, E, R>(
  self: Effect.Effect<A, E, R>,
): Effect.Effect<readonly [A, ResponseMetadata], E, R> =>
  Effect.suspend(() => {
    let last: ResponseMetadata | undefined
    return self.pipe(
      Effect.provideService(ResponseSink, (metadata) => {
        last = metadata
      }),
      Effect.flatMap((value) =>
        last === undefined
          ? Effect.die(new Error("ContainersClient.withResponse: the effect made no API call"))
          : Effect.succeed([value, last] as const),
      ),
    )
  })
