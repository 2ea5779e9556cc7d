/**
 * The same work written four ways: with this library's 1.x (Effect 3) and 2.x (Effect 4, in
 * `scripts/bench-effect4`) Node layers, with the official `openai` SDK (default options:
 * `maxRetries` 2, as ours) and with plain `fetch`. Each contender is built once per run (its
 * client, its connection pool) and then called for each repetition.
 */
import { ContainerFiles } from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import OpenAI from "openai"
import type { Contender, Target } from "./contenders/types.js"
import { makeOurs2x } from "./effect4.js"

export type { Contender, ListJob, Target } from "./contenders/types.js"

export const contenderNames = ["ours", "ours-2x", "openai", "fetch"] as const
export type ContenderName = (typeof contenderNames)[number]

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Runs `task` over `items` with at most `concurrency` in flight. */
const pool = async <A>(
  items: ReadonlyArray<A>,
  concurrency: number,
  task: (item: A) => Promise<number>,
): Promise<number> => {
  let next = 0
  let sum = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!
      // Not `sum += await …`: that reads `sum` before the wait and loses the other workers' adds.
      const value = await task(item)
      sum += value
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return sum
}

const ours = (target: Target): Contender => {
  const runtime = ManagedRuntime.make(
    NodeContainersClient.layer({ apiKey: Redacted.make(target.apiKey), baseUrl: target.baseUrl }),
  )
  return {
    name: "ours",
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

const openai = (target: Target): Contender => {
  const client = new OpenAI({ apiKey: target.apiKey, baseURL: target.baseUrl })
  return {
    name: "openai",
    list: async ({ containerId, pageSize, workMs }) => {
      let seen = 0
      let sum = 0
      for await (const file of client.containers.files.list(containerId, { limit: pageSize, order: "asc" })) {
        sum += file.bytes ?? 0
        if (++seen % pageSize === 0 && workMs > 0) await sleep(workMs)
      }
      return sum
    },
    retrieve: (containerId, fileIds, concurrency) =>
      pool(fileIds, concurrency, async (id) => {
        const file = await client.containers.files.retrieve(id, { container_id: containerId })
        return file.bytes ?? 0
      }),
    close: async () => {},
  }
}

interface FilePage {
  readonly data: ReadonlyArray<{ readonly id: string; readonly bytes: number }>
  readonly has_more: boolean
  readonly last_id?: string | null
}

const plainFetch = (target: Target): Contender => {
  const headers = { authorization: `Bearer ${target.apiKey}`, accept: "application/json" }
  const getJson = async <A>(url: string): Promise<A> => {
    const response = await fetch(url, { headers })
    if (!response.ok) throw new Error(`${response.status} for ${url}`)
    return (await response.json()) as A
  }
  return {
    name: "fetch",
    list: async ({ containerId, pageSize, workMs }) => {
      let sum = 0
      let after: string | undefined
      for (;;) {
        const query = `limit=${pageSize}&order=asc${after === undefined ? "" : `&after=${after}`}`
        const page = await getJson<FilePage>(`${target.baseUrl}/containers/${containerId}/files?${query}`)
        for (const file of page.data) sum += file.bytes
        if (workMs > 0 && page.data.length === pageSize) await sleep(workMs)
        if (!page.has_more || page.data.length === 0) return sum
        after = page.last_id ?? page.data[page.data.length - 1]!.id
      }
    },
    retrieve: (containerId, fileIds, concurrency) =>
      pool(fileIds, concurrency, async (id) => {
        const file = await getJson<{ bytes: number }>(
          `${target.baseUrl}/containers/${containerId}/files/${id}`,
        )
        return file.bytes
      }),
    close: async () => {},
  }
}

export const make = async (name: ContenderName, target: Target): Promise<Contender> => {
  switch (name) {
    case "ours":
      return ours(target)
    case "ours-2x":
      return makeOurs2x(target)
    case "openai":
      return openai(target)
    case "fetch":
      return plainFetch(target)
  }
}
