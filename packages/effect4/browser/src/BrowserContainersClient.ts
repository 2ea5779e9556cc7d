/**
 * `ContainersClient` in a browser, over `fetch` (`effect/http`'s `FetchHttpClient`). Meant to
 * talk to your own server (a proxy that adds the API key), so by default it refuses to hold a
 * key itself.
 *
 * @since 2.0.0
 */
import { ContainersClient, ContainersError } from "@openai-containers/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"

/**
 * The core options, plus the switch that allows a key in the page.
 *
 * @since 2.0.0
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
 * API calls never follow redirects: a followed 307 would send the body (and any key) to
 * wherever the server points, a 303 would turn a POST into a GET there. With
 * `redirect: "manual"` fetch hands back the 3xx itself (a browser hides it as an opaque
 * response with status 0), which the core returns as an `ApiError`. Set over any
 * `FetchHttpClient.RequestInit` the program provides, where the call runs or where the layer
 * was built (the one `FetchHttpClient` itself would use), so that cannot switch it back.
 */
const withoutRedirects = (
  client: HttpClient.HttpClient,
  built: Context.Context<never>,
): HttpClient.HttpClient =>
  HttpClient.transformResponse(
    client,
    Effect.updateContext((context: Context.Context<never>) =>
      Context.add(context, FetchHttpClient.RequestInit, {
        ...(Context.getOrUndefined(context, FetchHttpClient.RequestInit) ??
          Context.getOrUndefined(built, FetchHttpClient.RequestInit)),
        redirect: "manual",
      }),
    ),
  )

const transport = Layer.effect(
  HttpClient.HttpClient,
  Effect.zipWith(HttpClient.HttpClient, Effect.context<never>(), withoutRedirects),
).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * `ContainersClient` over the browser's `fetch`, which never follows a redirect (a 3xx fails
 * with `ApiError`). Fails with `InvalidRequestError` if the options carry a key (`apiKey` or
 * an `Authorization` header) unless `dangerouslyAllowApiKeyInBrowser` is `true`. Sends no
 * `traceparent`/`b3` headers unless `tracePropagation: true`.
 *
 * @since 2.0.0
 * @category layers
 */
export const layer = (
  options: Options = {},
): Layer.Layer<ContainersClient.ContainersClient, ContainersError.InvalidRequestError> => {
  const { dangerouslyAllowApiKeyInBrowser, ...clientOptions } = options
  if (carriesKey(options) && dangerouslyAllowApiKeyInBrowser !== true) {
    return Layer.effect(
      ContainersClient.ContainersClient,
      Effect.fail(new ContainersError.InvalidRequestError({ message: refusal })),
    )
  }
  // No trace headers by default: a proxy on another origin would have to allow them in CORS.
  return Layer.provide(ContainersClient.layer({ tracePropagation: false, ...clientOptions }), transport)
}
