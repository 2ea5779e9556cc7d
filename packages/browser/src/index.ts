/**
 * Browser support for `@openai-containers/core`: the `fetch` layer and uploads with progress.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as BrowserContainerFiles from "./BrowserContainerFiles.js"
/** @since 0.1.0 */
export * as BrowserContainersClient from "./BrowserContainersClient.js"
