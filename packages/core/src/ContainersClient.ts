/**
 * The client service: the configured HTTP pipeline every endpoint in `Containers` and `ContainerFiles` uses.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { ContainersError, InvalidRequestError } from "./ContainersError.js"
import { configure } from "./internal/configure.js"
import { currentResponseSink } from "./internal/metadata.js"

/**
 * How the client talks to the API; a value no call can work with fails every call with `InvalidRequestError`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Sent as `Authorization: Bearer …`. Leave unset behind a proxy that adds it. */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** Default `https://api.openai.com/v1`; a path prefix and a query (`?api-version=...`) are kept. */
  readonly baseUrl?: string | undefined
  /** Query parameters added to every request (after the base URL's own). */
  readonly defaultQuery?: Readonly<Record<string, string>> | undefined
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Per attempt, the wait for headers and a JSON body; for content, the longest gap. Default 10 min. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Retries after the first attempt: a whole number, or `Infinity` (until the schedule ends). Default 2. */
  readonly maxRetries?: number | undefined
  /** Backoff between retries (fed the error; ending stops them). Default {@link defaultRetrySchedule}. */
  readonly retrySchedule?: Schedule.Schedule<unknown, ContainersError> | undefined
  /** The longest `retry-after-ms`/`Retry-After` wait honoured; a longer ask ends retrying. Default 60 s. */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
  /** How many pages a `stream` or `pages` walk fetches ahead of its consumer. Default 1. */
  readonly pagePrefetch?: number | undefined
  /** Send the span as `traceparent`/`b3` headers. Default true; off for a proxy whose CORS refuses them. */
  readonly tracePropagation?: boolean | undefined
  /** Adjusts the provided `HttpClient` beneath the request mapping; in `withOptions`, over the layer's. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
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
 * Backoff from 0.5 s doubling to 8 s, each wait cut by up to a quarter at random to spread retries.
 *
 * @since 0.1.0
 * @category retry
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, ContainersError> = Schedule.jitteredWith(
  Schedule.modifyDelay(Schedule.exponential("500 millis"), (delay) => Duration.min(delay, "8 seconds")),
  { min: 0.75, max: 1 },
)

/**
 * The default API base URL.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultBaseUrl = "https://api.openai.com/v1"

// Options over `base`: records merge, a transform composes over the base's, the rest replace.
const merge = (base: ResolvedOptions, options: Options): ResolvedOptions => {
  const { apiKey, organization, project, timeout, maxRetryAfter, transformClient: transform } = options
  return {
    apiKey: apiKey === undefined ? base.apiKey : Option.some(apiKey),
    baseUrl: options.baseUrl ?? base.baseUrl,
    defaultQuery: { ...base.defaultQuery, ...options.defaultQuery },
    organization: organization === undefined ? base.organization : Option.some(organization),
    project: project === undefined ? base.project : Option.some(project),
    headers: { ...base.headers, ...options.headers },
    timeout: timeout === undefined ? base.timeout : Duration.decode(timeout),
    maxRetries: options.maxRetries ?? base.maxRetries,
    retrySchedule: options.retrySchedule ?? base.retrySchedule,
    maxRetryAfter: maxRetryAfter === undefined ? base.maxRetryAfter : Duration.decode(maxRetryAfter),
    pagePrefetch: options.pagePrefetch ?? base.pagePrefetch,
    tracePropagation: options.tracePropagation ?? base.tracePropagation,
    transformClient:
      transform === undefined ? base.transformClient : (client) => transform(base.transformClient(client)),
  }
}

/**
 * The defaults: no key, the public base URL, 10 min timeout, 2 retries, 60 s wait cap, 1 page ahead.
 *
 * @since 0.1.0
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
 * @since 0.1.0
 * @category constructors
 */
export const resolveOptions = (options: Options): ResolvedOptions => merge(defaults, options)

/**
 * What the service holds: built once per layer (and once per `withOptions`), not per call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The options, defaults filled in. */
  readonly options: ResolvedOptions
  /** The `HttpClient` the layer was given, before `transformClient` and the request mapping. */
  readonly transport: HttpClient.HttpClient
  /** What every request goes through: the transport with the request mapping applied. */
  readonly httpClient: HttpClient.HttpClient
  /** Why no call can be made with these options (a bad header, base URL, timeout, ...), if so. */
  readonly invalid: Option.Option<InvalidRequestError>
}

/**
 * The service: the configured HTTP client and the options to send by.
 *
 * @since 0.1.0
 * @category tags
 */
export class ContainersClient extends Context.Tag("@openai-containers/core/ContainersClient")<
  ContainersClient,
  Service
>() {}

/**
 * Builds the service from options over the provided `HttpClient`, checking the options once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (transport) => configure(resolveOptions(options), transport))

/**
 * The service from options, over an `HttpClient` (from the Node or browser package, or a fake).
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
export type ConfigOptions = {
  readonly [K in Exclude<keyof Options, "transformClient">]?: Config.Config<Options[K]>
} & { readonly transformClient?: Options["transformClient"] }

/**
 * The service from `Config`: by default `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and
 * `OPENAI_PROJECT_ID`, each replaced by the option given here.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  configs: ConfigOptions = {},
): Layer.Layer<ContainersClient, ConfigError.ConfigError, HttpClient.HttpClient> => {
  const env = <A>(config: Config.Config<A>) => Config.withDefault(config, undefined)
  const { transformClient, ...rest } = configs
  const all = {
    apiKey: env(Config.redacted("OPENAI_API_KEY")),
    baseUrl: env(Config.string("OPENAI_BASE_URL")),
    organization: env(Config.string("OPENAI_ORG_ID")),
    project: env(Config.string("OPENAI_PROJECT_ID")),
    ...rest,
  }
  return Layer.effect(
    ContainersClient,
    Effect.flatMap(Config.all(all), (options: Options) => make({ ...options, transformClient })),
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
 * What `withOptions` applies to: an effect or a stream.
 *
 * @since 1.0.0
 * @category models
 */
export type EffectOrStream =
  | Effect.Effect<unknown, unknown, unknown>
  | Stream.Stream<unknown, unknown, unknown>

/**
 * Changes options for an effect or stream and all it runs, rebuilding the client once per run.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withOptions: {
  (options: Options): <X extends EffectOrStream>(self: X) => WithClient<X>
  <X extends EffectOrStream>(self: X, options: Options): WithClient<X>
} = dual(2, (self: EffectOrStream, options: Options): EffectOrStream => {
  const update = (service: Service) => configure(merge(service.options, options), service.transport)
  return Effect.isEffect(self)
    ? Effect.updateService(self, ContainersClient, update)
    : Stream.updateService(self, ContainersClient, update)
})

/**
 * What a successful response said besides its body: status, request id and headers (credentials blanked).
 *
 * @since 1.0.0
 * @category models
 */
export interface ResponseMetadata {
  readonly status: number
  readonly requestId: string | undefined
  /** Lowercase names; credentials a server sends back blanked, the key scrubbed out. */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Runs an endpoint call, returning its value and its response's metadata (of several calls the last;
 * none is a defect), e.g. `const [file, { requestId }] = yield* withResponse(ContainerFiles.retrieve(c, f))`.
 *
 * @since 1.0.0
 * @category combinators
 */
export const withResponse = <A, E, R>(
  self: Effect.Effect<A, E, R>,
): Effect.Effect<readonly [A, ResponseMetadata], E, R> =>
  Effect.suspend(() => {
    let last: ResponseMetadata | undefined
    const record = (metadata: ResponseMetadata) => {
      last = metadata
    }
    return Effect.flatMap(Effect.locally(self, currentResponseSink, record), (value) =>
      last === undefined
        ? Effect.dieMessage("ContainersClient.withResponse: the effect made no API call")
        : Effect.succeed([value, last] as const),
    )
  })
