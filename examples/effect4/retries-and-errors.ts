/**
 * Retries and errors: the fake API injects faults and this program shows what the client does
 * with each: retry after a server-asked wait, give up past the cap, stop on a final status,
 * follow a custom schedule, refuse bad input before sending, and refuse to replay a one-shot
 * upload. No key, no network.
 *
 *   pnpm --filter @openai-containers/examples-effect4 run retries
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ContainerFiles, Containers, ContainersClient, Upload } from "@openai-containers/core"
import { FakeContainersApi } from "@openai-containers/testing"
import { Console, Effect, Layer, Redacted, Schedule, Stream } from "effect"

const program = Effect.gen(function* () {
  const fake = yield* FakeContainersApi.FakeContainersApi
  const container = yield* Containers.create({ name: "retries" })
  const attempts = Effect.map(fake.requests, (log) => log.length)

  // 1. A 503 asking for 200 ms, then success: one retry, after the server-asked wait.
  yield* fake.clearRequests
  yield* fake.injectFault({ fault: { _tag: "Status", status: 503, headers: { "retry-after-ms": "200" } } })
  const found = yield* Containers.retrieve(container.id)
  yield* Console.log(`503 then 200: got ${found.id} after ${yield* attempts} attempts`)

  // 2. A 429 asking for 10 minutes: over the 60 s cap, so the error comes back at once.
  yield* fake.clearRequests
  yield* fake.injectFault({ fault: { _tag: "Status", status: 429, headers: { "retry-after": "600" } } })
  const limited = yield* Effect.flip(Containers.retrieve(container.id))
  yield* Console.log(
    `429 with Retry-After 600: ${limited._tag} after ${yield* attempts} attempt\n  ${limited.message}`,
  )

  // 3. A 404 is final: no retry, matched by its tag.
  const missing = yield* ContainerFiles.retrieve(container.id, "cfile_nope").pipe(
    Effect.as("found?"),
    Effect.catchTag("NotFoundError", (e) => Effect.succeed(`NotFoundError, request id ${e.requestId}`)),
  )
  yield* Console.log(`Unknown file: ${missing}`)

  // 4. Your own schedule for one call: three quick retries, 50 ms apart.
  yield* fake.clearRequests
  yield* fake.injectFault({ times: 3, fault: { _tag: "Status", status: 500 } })
  yield* Containers.retrieve(container.id).pipe(
    ContainersClient.withOptions({ maxRetries: 3, retrySchedule: Schedule.spaced("50 millis") }),
  )
  yield* Console.log(`Three 500s with a custom schedule: succeeded on attempt ${yield* attempts}`)

  // 5. Bad input never leaves the process.
  const bad = yield* Effect.flip(ContainerFiles.list(container.id, { limit: 500 }))
  yield* Console.log(`limit 500: ${bad._tag}: ${bad.message.split("\n")[0]}`)

  // 6. A one-shot stream is sent once; the retryable failure says why it was not retried.
  yield* fake.injectFault({ match: { method: "POST" }, fault: { _tag: "Status", status: 503 } })
  const once = Upload.fromStream("once.txt", Stream.make(new TextEncoder().encode("only once")))
  const notRetried = yield* Effect.flip(ContainerFiles.create(container.id, { file: once }))
  yield* Console.log(`One-shot upload under a 503: ${notRetried._tag}\n  ${notRetried.message}`)
})

const Client = ContainersClient.layer({
  apiKey: Redacted.make("sk-fake-example"),
  baseUrl: FakeContainersApi.baseUrl,
}).pipe(Layer.provideMerge(FakeContainersApi.layerClient()))

program.pipe(Effect.provide(Client), NodeRuntime.runMain)
