/**
 * An Effect 4 client for the OpenAI Containers API.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ContainersError from "./ContainersError.js"
/** @since 0.1.0 */
export * as Models from "./Models.js"
/** @since 0.1.0 */
export * as Upload from "./Upload.js"
