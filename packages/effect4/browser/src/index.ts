/**
 * Browser support for `@openai-containers/core` on Effect 4: the `fetch` layer and uploads
 * with progress.
 *
 * @since 2.0.0
 */

/** @since 2.0.0 */
export * as BrowserContainerFiles from "./BrowserContainerFiles.js"
/** @since 2.0.0 */
export * as BrowserContainersClient from "./BrowserContainersClient.js"
