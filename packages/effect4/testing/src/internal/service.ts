/**
 * The fake's service: its state, the app over it and the controls a test uses. Times come from
 * `clock` when given (the real server's), else from the clock of the fiber that runs each request
 * or control (so `TestClock` drives the in-process fake).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Container, ContainerFile, Options, RecordedRequest, Service } from "../FakeContainersApi.js"
import * as App from "./app.js"
import { defaultLimit, RequestBudget } from "./budget.js"
import * as Bytes from "./bytes.js"
import { type ControlError, containerExpired, containerNotFound, notFound, toControlError } from "./errors.js"
import { FaultRegistry } from "./faults.js"
import * as Routes from "./routes.js"
import { Store } from "./store.js"
import * as Validate from "./validate.js"

/** @internal */
export const make = (options: Options, clock: Clock.Clock | undefined): Effect.Effect<Service> =>
  Effect.gen(function* () {
    // Throws (the layer dies) on a budget that is not whole numbers.
    const budget = yield* Effect.sync(() => new RequestBudget(options.rateLimit ?? defaultLimit))
    const store = new Store()
    const faults = new FaultRegistry()
    const state: App.State = {
      store,
      faults,
      budget,
      log: [],
      apiKey: options.apiKey,
      latency: options.latency,
    }
    const now = clock === undefined ? Clock.currentTimeMillis : clock.currentTimeMillis
    const app = App.make(state, yield* Routes.make(store))

    /** The container, checked as a request for its files would check it (and touched). */
    const running = (containerId: string) =>
      Effect.flatMap(now, (millis): Effect.Effect<number, ControlError> => {
        const found = store.touch(containerId, millis)
        if (found === undefined) return Effect.fail(toControlError(containerNotFound(containerId)))
        if (found.status === "expired") return Effect.fail(toControlError(containerExpired))
        return Effect.succeed(millis)
      })

    const service: Service = {
      app: clock === undefined ? app : Effect.provideService(app, Clock.Clock, clock),
      addOpenAiFile: (file) =>
        Effect.sync(() => {
          const id = file.id ?? `file-${Bytes.randomHex(24)}`
          store.addOpenAiFile({ id, filename: file.filename, content: Bytes.fromBytes(file.bytes) })
          return { id, filename: file.filename, bytes: file.bytes }
        }),
      createContainer: (body) =>
        Effect.gen(function* () {
          const valid = yield* Effect.mapError(Validate.createContainer(body), toControlError)
          const sources = valid.fileIds.map((id) => store.openAiFile(id))
          const missing = valid.fileIds.find((_, i) => sources[i] === undefined)
          if (missing !== undefined) {
            return yield* Effect.fail(toControlError(notFound(`No such File object: ${missing}`, "file_ids")))
          }
          const millis = yield* now
          const created: Container = store.createContainer(valid.fields, millis)
          for (const source of sources) {
            if (source !== undefined) store.addFile(created.id, source.filename, source.content, millis)
          }
          return created
        }),
      addFile: (containerId, file) =>
        Effect.flatMap(running(containerId), (millis) => {
          const created: ContainerFile | undefined = store.addFile(
            containerId,
            file.filename,
            Bytes.fromBytes(file.bytes),
            millis,
          )
          return created === undefined
            ? Effect.fail(toControlError(containerNotFound(containerId)))
            : Effect.succeed(created)
        }),
      expireContainer: (containerId) =>
        Effect.suspend(() => {
          const expired = store.expire(containerId)
          return expired === undefined
            ? Effect.fail(toControlError(containerNotFound(containerId)))
            : Effect.succeed(expired)
        }),
      containers: Effect.map(now, (millis) => store.allContainers(millis)),
      files: (containerId) => Effect.sync(() => store.allFiles(containerId) ?? []),
      fileBytes: (containerId, fileId) =>
        Effect.sync(() =>
          Option.map(Option.fromNullishOr(store.file(containerId, fileId)), (f) => Bytes.toBytes(f.content)),
        ),
      injectFault: (spec) => Effect.sync(() => faults.add(spec)),
      clearFaults: Effect.sync(() => faults.clear()),
      requests: Effect.sync(() =>
        state.log.map(
          (entry): RecordedRequest => ({
            method: entry.method,
            path: entry.path,
            query: entry.query,
            headers: entry.headers,
            bodySize: entry.bodySize,
            fileSha256: entry.fileSha256,
            requestId: entry.requestId,
            status: entry.status,
            fault: entry.fault,
          }),
        ),
      ),
      clearRequests: Effect.sync(() => {
        state.log = []
      }),
      reset: Effect.sync(() => {
        store.clear()
        faults.clear()
        budget.refill()
        state.log = []
      }),
    }
    return service
  })
