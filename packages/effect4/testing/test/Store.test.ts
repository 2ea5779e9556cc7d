/**
 * The fake's listing order under adds and deletes: every page matches a plain model of the
 * API's cursor pagination (insertion order; `after` may name a deleted file).
 */
import { describe, expect, it } from "vitest"
import { fromBytes } from "../src/internal/bytes.js"
import { type PageParams, Store } from "../src/internal/store.js"

// A small seeded generator, so a failure names a case that can be run again.
const generator = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

/** The page the API gives for `params` over `live` ids, knowing the order every id was issued in. */
const model = (issued: ReadonlyArray<string>, live: ReadonlySet<string>, params: PageParams) => {
  const rank = (id: string) => issued.indexOf(id)
  let ordered = issued.filter((id) => live.has(id))
  if (params.order === "desc") ordered = ordered.reverse()
  if (params.after !== undefined) {
    const cursor = rank(params.after)
    ordered = ordered.filter((id) => (params.order === "asc" ? rank(id) > cursor : rank(id) < cursor))
  }
  const data = ordered.slice(0, params.limit)
  return {
    ids: data,
    first_id: data[0] ?? null,
    last_id: data[data.length - 1] ?? null,
    has_more: ordered.length > params.limit,
  }
}

const withContainer = () => {
  const store = new Store()
  const container = store.createContainer(
    { name: "c", expires_after: { anchor: "last_active_at", minutes: 20 }, memory_limit: "1g" },
    0,
  )
  return { store, container }
}

describe("Store listing", () => {
  it("pages match the model through 2000 random adds, deletes and listings", () => {
    const random = generator(7)
    const { store, container } = withContainer()
    const issued: Array<string> = []
    const live = new Set<string>()
    let listings = 0
    for (let step = 0; step < 2000; step++) {
      const roll = random()
      if (roll < 0.4 || live.size === 0) {
        const file = store.addFile(container.id, `f${step}.txt`, fromBytes(new Uint8Array(1)), step)!
        issued.push(file.id)
        live.add(file.id)
      } else if (roll < 0.55) {
        const id = [...live][Math.floor(random() * live.size)]!
        expect(store.deleteFile(container.id, id)).toBe(true)
        live.delete(id)
      } else {
        const params: PageParams = {
          limit: 1 + Math.floor(random() * 7),
          order: random() < 0.5 ? "asc" : "desc",
          // Any id ever issued, deleted ones too, or none.
          after: random() < 0.2 ? undefined : issued[Math.floor(random() * issued.length)],
        }
        const page = store.listFiles(container.id, params)
        if (page === undefined || page === "unknown-cursor")
          throw new Error(`no page for ${JSON.stringify(params)}`)
        expect(
          { ids: page.data.map((file) => file.id), ...page, data: undefined, object: undefined },
          `step ${step}: ${JSON.stringify(params)}`,
        ).toEqual({ ...model(issued, live, params), data: undefined, object: undefined })
        listings++
      }
    }
    expect(listings).toBeGreaterThan(800)
  })

  it("a walk in either order sees every file once, also when files are added during it", () => {
    const { store, container } = withContainer()
    const add = (i: number) => store.addFile(container.id, `f${i}.txt`, fromBytes(new Uint8Array(1)), i)!.id
    const present = Array.from({ length: 250 }, (_, i) => add(i))
    for (const order of ["asc", "desc"] as const) {
      const before = [...present]
      const seen: Array<string> = []
      let added: string | undefined
      let after: string | undefined
      for (;;) {
        const page = store.listFiles(container.id, { limit: 100, order, after })
        if (page === undefined || page === "unknown-cursor") throw new Error("no page")
        seen.push(...page.data.map((file) => file.id))
        if (seen.length === 100) {
          added = add(1000 + present.length)
          present.push(added)
        }
        if (!page.has_more) break
        after = page.last_id ?? undefined
      }
      // A file added mid-walk comes last in ascending order, and not at all in descending.
      expect(seen).toEqual(order === "asc" ? [...before, added] : [...before].reverse())
    }
  })

  it("a cursor never issued is refused", () => {
    const { store, container } = withContainer()
    expect(store.listFiles(container.id, { limit: 10, order: "asc", after: "cfile_nope" })).toBe(
      "unknown-cursor",
    )
  })
})
