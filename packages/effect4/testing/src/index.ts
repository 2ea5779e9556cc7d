/**
 * @since 2.0.0
 */

/**
 * A faithful, stateful fake of the OpenAI Containers API, in-process or as an app to serve.
 *
 * @since 2.0.0
 */
export * as FakeContainersApi from "./FakeContainersApi.js"

/**
 * The fake Containers API over real HTTP on a loopback port (Node).
 *
 * @since 2.0.0
 */
export * as FakeContainersServer from "./FakeContainersServer.js"
