/**
 * Pagination: `stream` yields every file across pages, `pages` yields the pages, `limit` is
 * the page size (not a total: use `Stream.take`), and `pagePrefetch` fetches the next pages
 * while you work on this one. Against the in-process fake, with 20 ms of latency per request.
 *
 *   pnpm --filter @openai-containers/examples-effect4 run pagination
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ContainerFiles, ContainersClient } from "@openai-containers/core"
import { FakeContainersApi } from "@openai-containers/testing"
import { Console, Duration, Effect, Layer, Redacted, Stream } from "effect"

const program = Effect.gen(function* () {
  const fake = yield* FakeContainersApi.FakeContainersApi
  const container = yield* fake.createContainer({ name: "many files" })
  for (let i = 0; i < 250; i++) {
    yield* fake.addFile(container.id, { filename: `report-${i}.csv`, bytes: new Uint8Array(i) })
  }

  // Every file, oldest first, 100 per request.
  const count = yield* ContainerFiles.stream(container.id, { order: "asc", limit: 100 }).pipe(Stream.runCount)
  yield* Console.log(`stream: ${count} files`)

  // The pages themselves.
  yield* ContainerFiles.pages(container.id, { limit: 100 }).pipe(
    Stream.runForEach((page) => Console.log(`page: ${page.data.length} files, has_more=${page.has_more}`)),
  )

  // The newest 5 files only. Prefetch may already have asked for the next page; with
  // pagePrefetch 0 exactly one request goes out.
  const newest = (pagePrefetch: number) =>
    Effect.gen(function* () {
      yield* fake.clearRequests
      const paths = yield* ContainerFiles.stream(container.id, { limit: 5 }).pipe(
        Stream.take(5),
        Stream.map((file) => file.path),
        Stream.runCollect,
        ContainersClient.withOptions({ pagePrefetch }),
      )
      return { paths: [...paths], requests: (yield* fake.requests).length }
    })
  const lazy = yield* newest(0)
  yield* Console.log(`newest 5: ${lazy.paths.join(", ")}`)
  yield* Console.log(
    `  requests: ${lazy.requests} without prefetch, ${(yield* newest(1)).requests} with prefetch 1`,
  )

  // Slow consumer, 30 ms per page of 25: with prefetch the next page loads while we work.
  const work = (pagePrefetch: number) =>
    ContainerFiles.pages(container.id, { limit: 25 }).pipe(
      Stream.mapEffect(() => Effect.sleep("30 millis")),
      Stream.runDrain,
      ContainersClient.withOptions({ pagePrefetch }),
      Effect.timed,
      Effect.map(([duration]) => Math.round(Duration.toMillis(duration))),
    )
  const sequential = yield* work(0)
  const prefetched = yield* work(2)
  yield* Console.log(
    `10 pages with 30 ms of work each: ${sequential} ms without prefetch, ${prefetched} ms with 2`,
  )
})

const Client = ContainersClient.layer({
  apiKey: Redacted.make("sk-fake-example"),
  baseUrl: FakeContainersApi.baseUrl,
}).pipe(Layer.provideMerge(FakeContainersApi.layerClient({ latency: "20 millis" })))

program.pipe(Effect.provide(Client), NodeRuntime.runMain)
