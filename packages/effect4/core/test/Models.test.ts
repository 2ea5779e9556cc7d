import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Models } from "../src/index.js"

const file = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1747848842,
  bytes: 880,
  path: `/mnt/data/${id}.csv`,
  source: "user",
  ...overrides,
})

const container = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  object: "container",
  name: "My Container",
  created_at: 1747844794,
  status: "running",
  ...overrides,
})

const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S) =>
  Schema.decodeUnknownSync(schema)

describe("Models", () => {
  it("a container file decodes to its class, unknown fields ignored", () => {
    const decoded = decode(Models.ContainerFile)(file("cfile_1", { tomorrow: { nested: true } }))
    expect(decoded).toBeInstanceOf(Models.ContainerFile)
    expect(decoded).toEqual(
      new Models.ContainerFile({
        id: "cfile_1",
        object: "container.file",
        container_id: "cntr_1",
        created_at: 1747848842,
        bytes: 880,
        path: "/mnt/data/cfile_1.csv",
        source: "user",
      }),
    )
    expect("tomorrow" in decoded).toBe(false)
  })

  it("open strings accept values the API adds later", () => {
    const decoded = decode(Models.ContainerFile)(
      file("cfile_1", { object: "container.file.v2", source: "robot" }),
    )
    expect([decoded.object, decoded.source]).toEqual(["container.file.v2", "robot"])
    const c = decode(Models.Container)(
      container("cntr_1", { object: "container.v2", status: "hibernating", memory_limit: "128g" }),
    )
    expect([c.object, c.status, c.memory_limit]).toEqual(["container.v2", "hibernating", "128g"])
    expect(decode(Models.NetworkPolicy)({ type: "proxy" }).type).toBe("proxy")
  })

  it("a missing required field or a wrong type is refused", () => {
    const { bytes: _, ...partial } = file("cfile_1")
    expect(() => decode(Models.ContainerFile)(partial)).toThrow(/Missing key/)
    expect(() => decode(Models.ContainerFile)(file("cfile_1", { bytes: "880" }))).toThrow(/Expected number/)
    expect(() => decode(Models.ContainerFile)(file("cfile_1", { created_at: null }))).toThrow()
    expect(() => decode(Models.ContainerFileList)({ object: "page", data: [], has_more: false })).toThrow(
      /Expected "list"/,
    )
  })

  it("optional fields sent as null decode as absent", () => {
    const c = decode(Models.Container)(
      container("cntr_1", {
        last_active_at: null,
        memory_limit: null,
        network_policy: null,
        expires_after: { anchor: null, minutes: 20 },
      }),
    )
    expect(c).toBeInstanceOf(Models.Container)
    for (const key of ["last_active_at", "memory_limit", "network_policy"]) expect(key in c).toBe(false)
    expect(c.expires_after).toEqual(new Models.ExpiresAfter({ minutes: 20 }))
    expect(c.expires_after).toBeInstanceOf(Models.ExpiresAfter)
    expect("anchor" in c.expires_after!).toBe(false)
  })

  it("present optional fields decode to their classes", () => {
    const c = decode(Models.Container)(
      container("cntr_1", {
        last_active_at: 1747844800,
        memory_limit: "4g",
        network_policy: { type: "allowlist", allowed_domains: ["api.example.com"] },
        expires_after: { anchor: "last_active_at", minutes: 20 },
      }),
    )
    expect(c.network_policy).toBeInstanceOf(Models.NetworkPolicy)
    expect(c.network_policy?.allowed_domains).toEqual(["api.example.com"])
    expect([c.last_active_at, c.memory_limit, c.expires_after?.anchor]).toEqual([
      1747844800,
      "4g",
      "last_active_at",
    ])
  })

  it("a list page's first_id and last_id may be null or absent when data is empty", () => {
    for (const page of [
      { object: "list", data: [], first_id: null, last_id: null, has_more: false },
      { object: "list", data: [], has_more: false },
    ]) {
      const decoded = decode(Models.ContainerFileList)(page)
      expect(decoded).toBeInstanceOf(Models.ContainerFileList)
      expect([decoded.first_id, decoded.last_id, decoded.data]).toEqual([undefined, undefined, []])
    }
    const containers = decode(Models.ContainerList)({
      object: "list",
      data: [container("cntr_2")],
      first_id: "cntr_2",
      last_id: "cntr_2",
      has_more: true,
    })
    expect(containers.data[0]).toBeInstanceOf(Models.Container)
    expect(containers.has_more).toBe(true)
  })

  it("deletes decode {id, object, deleted}", () => {
    expect(
      decode(Models.ContainerFileDeleted)({ id: "cfile_9", object: "container.file.deleted", deleted: true }),
    ).toEqual(
      new Models.ContainerFileDeleted({ id: "cfile_9", object: "container.file.deleted", deleted: true }),
    )
    expect(
      decode(Models.ContainerDeleted)({ id: "cntr_1", object: "container.deleted", deleted: true }),
    ).toEqual(new Models.ContainerDeleted({ id: "cntr_1", object: "container.deleted", deleted: true }))
  })

  it("a decoded model encodes back to the API's JSON, absent fields left out", () => {
    const c = decode(Models.Container)(container("cntr_1", { memory_limit: null }))
    expect(Schema.encodeSync(Models.Container)(c)).toEqual(container("cntr_1"))
  })

  it("create params reveal a domain secret only when encoded", () => {
    const params: Models.CreateContainerParams = {
      name: "My Container",
      network_policy: {
        type: "allowlist",
        allowed_domains: ["api.example.com"],
        domain_secrets: [{ domain: "api.example.com", name: "TOKEN", value: Redacted.make("s3cr3t-value") }],
      },
    }
    expect(inspect(params, { depth: 10 })).not.toContain("s3cr3t")
    expect(JSON.stringify(params)).not.toContain("s3cr3t")
    expect(Schema.encodeSync(Models.CreateContainerParams)(params)).toEqual({
      name: "My Container",
      network_policy: {
        type: "allowlist",
        allowed_domains: ["api.example.com"],
        domain_secrets: [{ domain: "api.example.com", name: "TOKEN", value: "s3cr3t-value" }],
      },
    })
  })

  it("list params and the file id body check their bounds", () => {
    const listParams = Schema.decodeUnknownSync(Models.ContainerListParams)
    expect(listParams({ limit: 100, order: "asc", after: "c", name: "n" })).toEqual({
      limit: 100,
      order: "asc",
      after: "c",
      name: "n",
    })
    for (const bad of [{ limit: 0 }, { limit: 101 }, { limit: 1.5 }, { order: "up" }]) {
      expect(() => listParams(bad)).toThrow()
    }
    expect(() => Schema.decodeUnknownSync(Models.CreateContainerFileJson)({ file_id: "" })).toThrow()
  })
})
