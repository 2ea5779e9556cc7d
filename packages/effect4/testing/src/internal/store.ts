/**
 * The fake's state: containers, their files, the OpenAI files that `file_id` may name, and the
 * insertion sequence that keeps listing order deterministic when many objects share one second.
 * Times come in as milliseconds on the fake's clock; the JSON shows whole seconds. A container's
 * expiry is settled when it is looked at (a touch, a listed page), so idle containers cost nothing.
 */
import type { Content } from "./bytes.js"
import { randomHex } from "./bytes.js"

/** @internal */
export interface ContainerJson {
  readonly id: string
  readonly object: "container"
  readonly name: string
  readonly created_at: number
  readonly status: string
  readonly last_active_at: number
  readonly expires_after: { readonly anchor: "last_active_at"; readonly minutes: number }
  readonly memory_limit: string
  readonly network_policy?: { readonly type: string; readonly allowed_domains?: ReadonlyArray<string> }
}

/** @internal */
export interface ContainerFileJson {
  readonly id: string
  readonly object: "container.file"
  readonly created_at: number
  readonly bytes: number
  readonly container_id: string
  readonly path: string
  readonly source: string
}

/** @internal */
export interface OpenAiFile {
  readonly id: string
  readonly filename: string
  readonly content: Content
}

interface StoredFile {
  readonly seq: number
  readonly json: ContainerFileJson
  readonly content: Content
}

interface StoredContainer {
  readonly seq: number
  json: ContainerJson
  // When it was last active, in ms (`json.last_active_at` is this in seconds).
  lastActive: number
  readonly files: Map<string, StoredFile>
  // The files in ascending `seq`, built on the first listing after a change: a walk of n files
  // copies them once, not once per page.
  listing: ReadonlyArray<StoredFile> | undefined
}

/** @internal */
export interface PageParams {
  readonly limit: number
  readonly order: "asc" | "desc"
  readonly after: string | undefined
}

/** @internal */
export interface Page<A> {
  readonly object: "list"
  readonly data: ReadonlyArray<A>
  readonly first_id: string | null
  readonly last_id: string | null
  readonly has_more: boolean
}

/** @internal */
export class Store {
  private seq = 0
  private containers = new Map<string, StoredContainer>()
  private openAiFiles = new Map<string, OpenAiFile>()
  // Every id ever issued, so a cursor naming a deleted object still marks a place in the order.
  private seqById = new Map<string, number>()

  clear(): void {
    this.containers = new Map()
    this.openAiFiles = new Map()
    this.seqById = new Map()
  }

  addOpenAiFile(file: OpenAiFile): OpenAiFile {
    this.openAiFiles.set(file.id, file)
    return file
  }

  openAiFile(id: string): OpenAiFile | undefined {
    return this.openAiFiles.get(id)
  }

  createContainer(
    fields: Omit<ContainerJson, "id" | "object" | "created_at" | "last_active_at" | "status">,
    nowMillis: number,
  ): ContainerJson {
    const id = `cntr_${randomHex(48)}`
    const now = seconds(nowMillis)
    const json: ContainerJson = {
      id,
      object: "container",
      created_at: now,
      status: "running",
      last_active_at: now,
      ...fields,
    }
    const seq = this.nextSeq(id)
    this.containers.set(id, { seq, json, lastActive: nowMillis, files: new Map(), listing: undefined })
    return json
  }

  /**
   * A request reached the container: it expires if it sat idle too long, and otherwise is
   * active as of `nowMillis`. An expired container stays expired.
   */
  touch(id: string, nowMillis: number): ContainerJson | undefined {
    const container = this.containers.get(id)
    if (container === undefined) return undefined
    const json = this.settle(container, nowMillis)
    if (json.status === "expired") return json
    container.lastActive = nowMillis
    if (json.last_active_at !== seconds(nowMillis)) {
      container.json = { ...json, last_active_at: seconds(nowMillis) }
    }
    return container.json
  }

  /** Expires the container now, whatever its idle time. */
  expire(id: string): ContainerJson | undefined {
    const container = this.containers.get(id)
    if (container === undefined) return undefined
    if (container.json.status !== "expired") container.json = { ...container.json, status: "expired" }
    return container.json
  }

  deleteContainer(id: string): boolean {
    return this.containers.delete(id)
  }

  /** A page of containers; only the page's containers have their expiry settled. */
  listContainers(
    params: PageParams,
    name: string | undefined,
    nowMillis: number,
  ): Page<ContainerJson> | "unknown-cursor" {
    const all = Array.from(this.containers.values())
    const matching = name === undefined ? all : all.filter((c) => c.json.name === name)
    return this.page(matching, params, (c) => this.settle(c, nowMillis))
  }

  /** Adds a file; the caller has checked the container is not expired (see `touch`). */
  addFile(
    containerId: string,
    filename: string,
    content: Content,
    nowMillis: number,
  ): ContainerFileJson | undefined {
    const container = this.containers.get(containerId)
    if (container === undefined) return undefined
    const id = `cfile_${randomHex(32)}`
    const json: ContainerFileJson = {
      id,
      object: "container.file",
      created_at: seconds(nowMillis),
      bytes: content.size,
      container_id: containerId,
      path: `/mnt/data/${filename}`,
      source: "user",
    }
    container.files.set(id, { seq: this.nextSeq(id), json, content })
    container.listing = undefined
    return json
  }

  file(
    containerId: string,
    fileId: string,
  ): { readonly json: ContainerFileJson; readonly content: Content } | undefined {
    return this.containers.get(containerId)?.files.get(fileId)
  }

  deleteFile(containerId: string, fileId: string): boolean {
    const container = this.containers.get(containerId)
    if (container === undefined || !container.files.delete(fileId)) return false
    container.listing = undefined
    return true
  }

  listFiles(containerId: string, params: PageParams): Page<ContainerFileJson> | "unknown-cursor" | undefined {
    const container = this.containers.get(containerId)
    if (container === undefined) return undefined
    container.listing ??= Array.from(container.files.values())
    return this.page(container.listing, params, (file) => file.json)
  }

  allContainers(nowMillis: number): ReadonlyArray<ContainerJson> {
    return Array.from(this.containers.values(), (c) => this.settle(c, nowMillis))
  }

  allFiles(containerId: string): ReadonlyArray<ContainerFileJson> | undefined {
    const container = this.containers.get(containerId)
    return container === undefined ? undefined : Array.from(container.files.values(), (f) => f.json)
  }

  /** The container's JSON, expired first if it has been idle for its `expires_after` minutes. */
  private settle(container: StoredContainer, nowMillis: number): ContainerJson {
    const json = container.json
    const idle = nowMillis - container.lastActive
    if (json.status !== "expired" && idle >= json.expires_after.minutes * 60_000) {
      container.json = { ...json, status: "expired" }
    }
    return container.json
  }

  private nextSeq(id: string): number {
    const seq = ++this.seq
    this.seqById.set(id, seq)
    return seq
  }

  /**
   * One page of `items`, which ascend by `seq` (Map insertion order, hence ascending
   * `created_at`), each shown through `view`. The cursor's place is found by binary search, so a
   * page costs its own size.
   */
  private page<I extends { readonly seq: number }, A extends { readonly id: string }>(
    items: ReadonlyArray<I>,
    params: PageParams,
    view: (item: I) => A,
  ): Page<A> | "unknown-cursor" {
    // Ascending: the items after the cursor are [from, length). Descending: those before it
    // are [0, to), listed from the end.
    const ascending = params.order === "asc"
    let from = 0
    let to = items.length
    if (params.after !== undefined) {
      const cursor = this.seqById.get(params.after)
      if (cursor === undefined) return "unknown-cursor"
      if (ascending) from = firstAbove(items, cursor)
      else to = firstAbove(items, cursor - 1)
    }
    const slice = ascending
      ? items.slice(from, from + params.limit)
      : items.slice(Math.max(0, to - params.limit), to).reverse()
    const data = slice.map(view)
    return {
      object: "list",
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: ascending ? from + params.limit < items.length : to - params.limit > 0,
    }
  }
}

const seconds = (millis: number): number => Math.floor(millis / 1000)

/** The index of the first item whose `seq` is above `seq` (`items` ascend by `seq`). */
const firstAbove = (items: ReadonlyArray<{ readonly seq: number }>, seq: number): number => {
  let low = 0
  let high = items.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (items[middle]!.seq > seq) high = middle
    else low = middle + 1
  }
  return low
}
