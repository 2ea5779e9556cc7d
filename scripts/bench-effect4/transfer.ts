/**
 * Transfer, 2.x: `ContainerFiles.content` drained, `NodeContainerFiles.upload` from the path
 * (see `../bench/transfer.ts`).
 */
import { ContainerFiles } from "@openai-containers/core"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import type { Job, Prepared } from "../bench/transfer/types.js"

export const prepare = (job: Job): Prepared => {
  const runtime = ManagedRuntime.make(
    NodeContainersClient.layer({ apiKey: Redacted.make(job.apiKey), baseUrl: job.baseUrl }),
  )
  if (job.op === "download") {
    const content = ContainerFiles.content(job.containerId, job.subject)
    return async () => ({
      bytes: await runtime.runPromise(
        Stream.runFold(
          content,
          () => 0,
          (n, c) => n + c.byteLength,
        ),
      ),
    })
  }
  return async () => {
    const file = await runtime.runPromise(NodeContainerFiles.upload(job.containerId, job.subject))
    return { bytes: file.bytes, uploadedId: file.id }
  }
}
