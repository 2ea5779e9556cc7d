/**
 * `ContainersClient` over Node's HTTP stack: the platform's undici client, proxies on request.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Undici from "@effect/platform-node/Undici"
import { ContainersClient } from "@openai-containers/core"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/transport.js"

/**
 * The `User-Agent` sent unless the headers set one: `@openai-containers/node/<version> node/<version>`.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent: string = internal.userAgent

/**
 * Where requests go out.
 *
 * @since 1.0.0
 * @category models
 */
export interface TransportOptions {
  /** Any undici `Dispatcher` (an `Agent`, a `ProxyAgent`, a mock), used as given; its lifetime is yours. */
  readonly dispatcher?: Undici.Dispatcher | undefined
  /** Honour `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` unless `dispatcher` is given. Default false. */
  readonly proxyFromEnv?: boolean | undefined
}

/**
 * The options of {@link layer}: the client's, plus where requests go out.
 *
 * @since 1.0.0
 * @category models
 */
export interface Options extends ContainersClient.Options, TransportOptions {}

const dispatcher = (options: TransportOptions): Effect.Effect<Undici.Dispatcher, never, Scope.Scope> =>
  options.dispatcher !== undefined
    ? Effect.succeed(options.dispatcher)
    : Effect.acquireRelease(
        Effect.sync(() => (options.proxyFromEnv ? new Undici.EnvHttpProxyAgent() : new Undici.Agent())),
        // Aborts whatever is still in flight and closes every connection.
        (agent) => Effect.promise(() => agent.destroy()),
      )

/**
 * The `HttpClient` the layers use: undici over one keep-alive dispatcher for the layer's lifetime,
 * with the library `User-Agent` and gzip, deflate and br bodies decoded.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient = (options: TransportOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(HttpClient.HttpClient, Effect.map(dispatcher(options), internal.make))

/**
 * `ContainersClient` from options, over {@link layerHttpClient}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = ({
  dispatcher,
  proxyFromEnv,
  ...client
}: Options = {}): Layer.Layer<ContainersClient.ContainersClient> =>
  Layer.provide(ContainersClient.layer(client), layerHttpClient({ dispatcher, proxyFromEnv }))

/**
 * `ContainersClient` from `Config` (see `ContainersClient.layerConfig`), over {@link layerHttpClient}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  configs: ContainersClient.ConfigOptions = {},
  transport: TransportOptions = {},
): Layer.Layer<ContainersClient.ContainersClient, ConfigError.ConfigError> =>
  Layer.provide(ContainersClient.layerConfig(configs), layerHttpClient(transport))
