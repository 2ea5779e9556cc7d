/**
 * `ContainersClient` over Node's HTTP stack: the platform's undici client
 * (`NodeHttpClient.makeUndici`), with a `User-Agent` naming this library, compressed JSON
 * asked for and every compressed body decoded, and proxies from the environment on request.
 *
 * @since 2.0.0
 */
import * as Undici from "@effect/platform-node/Undici"
import { ContainersClient } from "@openai-containers/core"
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/transport.js"

/**
 * The `User-Agent` sent unless the options' headers set one:
 * `@openai-containers/node/<version> node/<version>`.
 *
 * @since 2.0.0
 * @category constants
 */
export const userAgent: string = internal.userAgent

/**
 * Where requests go out.
 *
 * @since 2.0.0
 * @category models
 */
export interface TransportOptions {
  /**
   * Any undici `Dispatcher` (an `Agent` with your own settings, a `ProxyAgent`, a mock), from
   * `@effect/platform-node/Undici`. The layer uses it as given and leaves its lifetime to you.
   * undici 8's `ProxyAgent` forwards `http:` requests to the proxy, Authorization header
   * included, unless built with `proxyTunnel: true`.
   */
  readonly dispatcher?: Undici.Dispatcher | undefined
  /**
   * Honour `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (undici's `EnvHttpProxyAgent`), through a
   * `CONNECT` tunnel for `http:` targets too. Ignored when `dispatcher` is given. Default
   * false: a fresh keep-alive `Agent` per layer.
   */
  readonly proxyFromEnv?: boolean | undefined
}

/**
 * The options of {@link layer}: the client's, plus where requests go out.
 *
 * @since 2.0.0
 * @category models
 */
export interface Options extends ContainersClient.Options, TransportOptions {}

const dispatcher = (options: TransportOptions): Effect.Effect<Undici.Dispatcher, never, Scope.Scope> =>
  options.dispatcher !== undefined
    ? Effect.succeed(options.dispatcher)
    : Effect.acquireRelease(
        // `proxyTunnel`: undici 8 forwards a plain-http request to the proxy as it is, headers
        // and all; a CONNECT tunnel keeps the Authorization header between client and API.
        Effect.sync(() =>
          options.proxyFromEnv === true
            ? new Undici.EnvHttpProxyAgent({ proxyTunnel: true })
            : new Undici.Agent(),
        ),
        // Aborts whatever is still in flight and closes every connection.
        (agent) => Effect.promise(() => agent.destroy()),
      )

/**
 * The `HttpClient` the layers use: the platform's undici client over one keep-alive
 * dispatcher for the layer's lifetime (destroyed on release unless it is yours). It adds the
 * library `User-Agent` unless one is set, asks for `gzip, br` on JSON requests, and decodes
 * gzip, deflate and br bodies (JSON and content alike).
 *
 * @since 2.0.0
 * @category layers
 */
export const layerHttpClient = (options: TransportOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(HttpClient.HttpClient, Effect.flatMap(dispatcher(options), internal.make))

const split = ({ dispatcher, proxyFromEnv, ...client }: Options) => ({
  client,
  transport: { dispatcher, proxyFromEnv },
})

/**
 * `ContainersClient` from options, over {@link layerHttpClient}.
 *
 * @since 2.0.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<ContainersClient.ContainersClient> => {
  const { client, transport } = split(options)
  return Layer.provide(ContainersClient.layer(client), layerHttpClient(transport))
}

/**
 * `ContainersClient` from `Config` (by default `OPENAI_API_KEY`, `OPENAI_BASE_URL`,
 * `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`), over {@link layerHttpClient}.
 *
 * @since 2.0.0
 * @category layers
 */
export const layerConfig = (
  configs: ContainersClient.ConfigOptions = {},
  transport: TransportOptions = {},
): Layer.Layer<ContainersClient.ContainersClient, Config.ConfigError> =>
  Layer.provide(ContainersClient.layerConfig(configs), layerHttpClient(transport))
