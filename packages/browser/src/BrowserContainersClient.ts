/**
 * `ContainersClient` in a browser, over `fetch`. Meant to talk to your own server (a proxy
 * that adds the API key), so by default it refuses to hold a key itself.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { ContainersClient, ContainersError } from "@openai-containers/core"
import * as Layer from "effect/Layer"

/**
 * The core options, plus the switch that allows a key in the page.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends ContainersClient.Options {
  /**
   * Anyone who can open the page can read a key given to it. Set this only for a page that
   * never leaves your machine; otherwise point `baseUrl` at a server that adds the key.
   */
  readonly dangerouslyAllowApiKeyInBrowser?: boolean | undefined
}

const refusal =
  "Refusing to put an OpenAI API key in a browser page: anyone who opens the page can read it. " +
  "Point `baseUrl` at your own server that adds the key (see the @openai-containers/browser README), " +
  "or pass `dangerouslyAllowApiKeyInBrowser: true` for a page only you use."

const carriesKey = (options: Options): boolean =>
  options.apiKey !== undefined ||
  Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === "authorization")

/**
 * `ContainersClient` over the browser's `fetch`. Fails with `InvalidRequestError` if the
 * options carry a key (`apiKey` or an `Authorization` header) unless
 * `dangerouslyAllowApiKeyInBrowser` is `true`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<ContainersClient.ContainersClient, ContainersError.InvalidRequestError> => {
  const { dangerouslyAllowApiKeyInBrowser, ...clientOptions } = options
  if (carriesKey(options) && dangerouslyAllowApiKeyInBrowser !== true) {
    return Layer.fail(new ContainersError.InvalidRequestError({ message: refusal }))
  }
  // No trace headers by default: a proxy on another origin would have to allow them in CORS.
  return Layer.provide(
    ContainersClient.layer({ tracePropagation: false, ...clientOptions }),
    FetchHttpClient.layer,
  )
}
