/**
 * An undici response as an `HttpClientResponse`. The body is read once: `text`, `json`,
 * `arrayBuffer`, `formData` and `urlParamsBody` share one cached read, so any of them can be
 * used any number of times; `stream` reads the body as it arrives instead, and so does the
 * `ContainersClient.IdleTimeoutBody` method, which keeps the content idle timeout too.
 */
/// <reference path="./undici.d.ts" />
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import { ContainersClient } from "@openai-containers/core"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ResponseData } from "undici/lib/api/api-request.js"
import { fromReadable, type Idle } from "./streams.js"

const decoder = new TextDecoder()

const ignore = () => {}

// A response dropped unread holds its connection until its body is consumed. As the platform's
// `HttpClient.make` does, its body is destroyed once the response is collected; a read that
// begins takes the body out of this registry.
const unread = new FinalizationRegistry<ResponseData["body"]>((body) => body.destroy())

export class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  readonly remoteAddress: Option.Option<string> = Option.none()
  private cachedCookies: Cookies.Cookies | undefined
  private bodyRead: Promise<Exit.Exit<Uint8Array<ArrayBuffer>, HttpClientError.ResponseError>> | undefined
  private body: Exit.Exit<Uint8Array<ArrayBuffer>, HttpClientError.ResponseError> | undefined
  private cachedText: string | undefined
  /** Whether `stream` began reading the body as it arrives (it then has no whole-body read). */
  private streamed = false

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: ResponseData,
  ) {
    super()
    this.status = source.statusCode
    this.headers = Headers.fromInput(source.headers)
    // A body destroyed while nobody reads it (interruption, a response never used) emits
    // "error"; unheard, that would crash the process.
    source.body.on("error", ignore)
    unread.register(this, source.body, this)
  }

  get cookies(): Cookies.Cookies {
    if (this.cachedCookies === undefined) {
      const header = this.source.headers["set-cookie"]
      this.cachedCookies = header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
    }
    return this.cachedCookies
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause,
    })
  }

  /** The whole body, read on first use and kept; interrupting the read destroys the body. */
  private get bytes(): Effect.Effect<Uint8Array<ArrayBuffer>, HttpClientError.ResponseError> {
    if (this.body !== undefined) return this.body
    if (this.bodyRead === undefined && !this.streamed) {
      const buffered = this.takeIfComplete()
      if (buffered !== undefined) {
        unread.unregister(this)
        this.body = Exit.succeed(buffered)
        return this.body
      }
    }
    return Effect.async((resume) => {
      unread.unregister(this)
      this.bodyRead ??= this.source.body.bytes().then(
        (bytes) => (this.body = Exit.succeed(bytes)),
        (cause: unknown) => (this.body = Exit.fail(this.decodeError(cause))),
      )
      void this.bodyRead.then(resume)
      return Effect.sync(() => {
        if (this.body === undefined) this.source.body.destroy()
      })
    })
  }

  /**
   * The body, taken at once if all of it has arrived: a small response usually comes in the
   * same socket read as its headers. `body.bytes()` would wait a microtask, an `end` event and
   * two promise turns for the same bytes, on the path from one page to the next request.
   */
  private takeIfComplete(): Uint8Array<ArrayBuffer> | undefined {
    const body = this.source.body
    // Node's own flag for "the last chunk was pushed"; public API has none before `end`.
    const state = (body as { readonly _readableState?: { readonly ended?: unknown } })._readableState
    if (state?.ended !== true || body.destroyed || body.readableObjectMode) return undefined
    // Everything buffered, in one buffer (null when the body is empty); `end` follows.
    const chunk: Buffer | null = body.read()
    // A copy: the chunk may be a view into a larger buffer, and `arrayBuffer` hands out `.buffer`.
    return chunk === null ? new Uint8Array(0) : new Uint8Array(chunk)
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    if (this.cachedText !== undefined) return Effect.succeed(this.cachedText)
    return Effect.map(this.bytes, (bytes) => this.decode(bytes))
  }

  private decode(bytes: Uint8Array): string {
    this.cachedText ??= decoder.decode(bytes)
    return this.cachedText
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: (): unknown => (text === "" ? null : JSON.parse(text)),
        catch: (cause) => this.decodeError(cause),
      }),
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) => bytes.buffer)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause),
      }),
    )
  }

  /** Parsed by Node's `Response`, which knows multipart and urlencoded bodies. */
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.bytes, (bytes) =>
      Effect.tryPromise({
        try: () => {
          const contentType = this.headers["content-type"]
          const init = contentType === undefined ? {} : { headers: { "content-type": contentType } }
          return new Response(bytes, init).formData()
        },
        catch: (cause) => this.decodeError(cause),
      }),
    )
  }

  /** The body as it arrives; once a whole-body read has begun, that read's bytes. */
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return this.streamWith(undefined)
  }

  /** The body as it arrives, failing with `onIdle()` after `timeout` without bytes. */
  [ContainersClient.IdleTimeoutBody]<E>(
    timeout: Duration.Duration,
    onIdle: () => E,
  ): Stream.Stream<Uint8Array, HttpClientError.ResponseError | E> {
    return this.streamWith({ timeout, onIdle })
  }

  private streamWith<E>(
    idle: Idle<E> | undefined,
  ): Stream.Stream<Uint8Array, HttpClientError.ResponseError | E> {
    if (this.body !== undefined || this.bodyRead !== undefined) return Stream.fromEffect(this.bytes)
    return Stream.suspend(() => {
      unread.unregister(this)
      this.streamed = true
      return fromReadable(this.source.body, (cause) => this.decodeError(cause), idle)
    })
  }

  /** The platform's shape; the body is shown only if it was already read (inspecting never reads it). */
  toJSON(): unknown {
    const json: Record<string, unknown> = {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status,
      headers: Inspectable.redact(this.headers),
      remoteAddress: this.remoteAddress.toJSON(),
    }
    if (this.body !== undefined && Exit.isSuccess(this.body)) {
      const contentType = this.headers["content-type"] ?? ""
      const text = this.decode(this.body.value)
      if (contentType.includes("application/json")) {
        try {
          json.body = text === "" ? null : JSON.parse(text)
        } catch {
          // Not JSON after all: shown without a body, as the platform does.
        }
      } else if (contentType.includes("text/") || contentType.includes("urlencoded")) {
        json.body = text
      }
    }
    return json
  }
}
