/** Cold start, 2.x: `ContainerFiles.retrieve` over the Node layer (see `../bench/cold.ts`). */
import { ContainerFiles } from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ColdJob } from "../bench/cold/types.js"

export const retrieve = (job: ColdJob): Promise<number> =>
  Effect.runPromise(
    ContainerFiles.retrieve(job.containerId, job.fileId).pipe(
      Effect.map((file) => file.bytes),
      Effect.provide(NodeContainersClient.layer({ apiKey: Redacted.make(job.apiKey), baseUrl: job.baseUrl })),
    ),
  )
