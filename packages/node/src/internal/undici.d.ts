/**
 * Types for the two undici 7 modules the Node transport loads by deep path (they ship no
 * declarations of their own). Only what `httpClient.ts` and `response.ts` use is typed.
 */

declare module "undici/lib/dispatcher/agent.js" {
  export interface AgentOptions {
    /** Milliseconds to wait for response headers; 0 turns the timer off. */
    readonly headersTimeout?: number
    /** Milliseconds allowed between two body chunks; 0 turns the timer off. */
    readonly bodyTimeout?: number
  }

  /** A pool of keep-alive connections per origin. */
  export default class Agent {
    constructor(options?: AgentOptions)
    /** Aborts every pending request and closes every connection. */
    destroy(): Promise<void>
    readonly destroyed: boolean
  }
}

declare module "undici/lib/api/api-request.js" {
  import type { Readable } from "node:stream"
  import type Agent from "undici/lib/dispatcher/agent.js"

  export interface RequestOptions {
    readonly origin: string
    /** Path and query, e.g. `/v1/containers?limit=1`. */
    readonly path: string
    readonly method: string
    /** Own enumerable string properties are sent as headers. */
    readonly headers: Readonly<Record<string, string>>
    readonly body: string | Uint8Array | Readable | null
    readonly signal: AbortSignal
  }

  /** The response body: a Node `Readable` with fetch-like one-shot readers. */
  export interface BodyReadable extends Readable {
    /** The whole body, in one buffer of its own. */
    bytes(): Promise<Uint8Array<ArrayBuffer>>
  }

  export interface ResponseData {
    readonly statusCode: number
    /** Lowercase names; a repeated header is an array. */
    readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
    readonly body: BodyReadable
  }

  /**
   * Sends one request through `this` dispatcher and calls back once the headers arrived (or it
   * failed; `data` is a response only when `error` is null).
   */
  export default function request(
    this: Agent,
    options: RequestOptions,
    callback: (error: Error | null, data: ResponseData) => void,
  ): void
}
