/**
 * `ContainersClient` over Node's HTTP stack (undici, through a client of this package's own),
 * with a `User-Agent` naming this library.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import { ContainersClient } from "@openai-containers/core"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import * as internal from "./internal/httpClient.js"

/**
 * The `User-Agent` sent unless the options' headers set one:
 * `openai-containers-effect/0.1.0 node/<version>`.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent: string = internal.userAgent

/**
 * The `HttpClient` the layers use: this package's own client over an undici `Agent` (one
 * keep-alive connection pool per built layer, destroyed when the layer is released). It sends
 * global `FormData` bodies (Bytes and Blob uploads) as a multipart stream, streams `Stream`
 * bodies with backpressure, and adds the library `User-Agent` unless one is set.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient: Layer.Layer<HttpClient.HttpClient> = internal.layer

/**
 * `ContainersClient` from options, over {@link layerHttpClient}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: ContainersClient.Options = {},
): Layer.Layer<ContainersClient.ContainersClient> =>
  Layer.provide(ContainersClient.layer(options), layerHttpClient)

/**
 * `ContainersClient` from `Config` (by default `OPENAI_API_KEY`, `OPENAI_BASE_URL`,
 * `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`), over {@link layerHttpClient}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  configs: ContainersClient.ConfigOptions = {},
): Layer.Layer<ContainersClient.ContainersClient, ConfigError.ConfigError> =>
  Layer.provide(ContainersClient.layerConfig(configs), layerHttpClient)
