/**
 * The `ours-2x` in-process contender: `contenders.ts`'s `ours` written against the 2.x packages
 * (Effect 4). The runner bundles this file into `.tmp/contender.mjs` here, Effect external, so
 * effect 4 loads from this package's `node_modules` as effect 3 does from `scripts/node_modules`
 * for `ours`, and the runner imports the bundle at run time.
 */
import { ContainerFiles } from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import type { Contender, Target } from "../bench/contenders/types.js"

export const make = (target: Target): Contender => {
  const runtime = ManagedRuntime.make(
    NodeContainersClient.layer({ apiKey: Redacted.make(target.apiKey), baseUrl: target.baseUrl }),
  )
  return {
    name: "ours-2x",
    list: ({ containerId, pageSize, workMs }) => {
      let seen = 0
      let sum = 0
      return runtime.runPromise(
        ContainerFiles.stream(containerId, { limit: pageSize, order: "asc" }).pipe(
          Stream.runForEach((file) => {
            sum += file.bytes
            return ++seen % pageSize === 0 && workMs > 0 ? Effect.sleep(workMs) : Effect.void
          }),
          Effect.map(() => sum),
        ),
      )
    },
    retrieve: (containerId, fileIds, concurrency) => {
      let sum = 0
      return runtime.runPromise(
        Effect.forEach(
          fileIds,
          (id) =>
            Effect.map(ContainerFiles.retrieve(containerId, id), (file) => {
              sum += file.bytes
            }),
          { concurrency, discard: true },
        ).pipe(Effect.map(() => sum)),
      )
    },
    close: () => runtime.dispose(),
  }
}
