import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Containers, type ContainersClient, Models } from "../src/index.js"
import * as Stub from "./stub.js"

describe("Containers", () => {
  it.effect("create sends the spec's JSON body, revealing domain secrets only there", () => {
    const stub = Stub.layer(() =>
      Stub.json(
        Stub.container("cntr_1", {
          memory_limit: "4g",
          network_policy: { type: "allowlist", allowed_domains: ["api.example.com"] },
          expires_after: { anchor: "last_active_at", minutes: 20 },
          last_active_at: 1747844794,
        }),
      ),
    )
    const params: Models.CreateContainerParams = {
      name: "My Container",
      file_ids: ["file-1"],
      memory_limit: "4g",
      expires_after: { anchor: "last_active_at", minutes: 20 },
      skills: [
        { type: "skill_reference", skill_id: "openai-spreadsheets", version: "latest" },
        {
          type: "inline",
          name: "s",
          description: "d",
          source: { type: "base64", media_type: "application/zip", data: "UEsDBA==" },
        },
      ],
      network_policy: {
        type: "allowlist",
        allowed_domains: ["api.example.com"],
        domain_secrets: [{ domain: "api.example.com", name: "TOKEN", value: Redacted.make("s3cr3t-value") }],
      },
    }
    return Effect.gen(function* () {
      const container = yield* Containers.create(params)
      expect(container).toBeInstanceOf(Models.Container)
      expect(container.memory_limit).toBe("4g")
      expect(container.network_policy?.allowed_domains).toEqual(["api.example.com"])
      const req = stub.requests[0]!
      expect([req.method, req.url.pathname, req.contentType]).toEqual([
        "POST",
        "/v1/containers",
        "application/json",
      ])
      expect(JSON.parse(Stub.decodeText(req.body))).toEqual({
        ...params,
        network_policy: {
          type: "allowlist",
          allowed_domains: ["api.example.com"],
          domain_secrets: [{ domain: "api.example.com", name: "TOKEN", value: "s3cr3t-value" }],
        },
      })
      expect(inspect(params, { depth: 10 })).not.toContain("s3cr3t")
    }).pipe(Effect.provide(stub.layer))
  })

  const bad: ReadonlyArray<[string, unknown]> = [
    ["an unknown memory limit", { name: "x", memory_limit: "2g" }],
    ["an empty allowlist", { name: "x", network_policy: { type: "allowlist", allowed_domains: [] } }],
    ["no name", {}],
    ["zero minutes", { name: "x", expires_after: { anchor: "last_active_at", minutes: 0 } }],
    ["a long skill id", { name: "x", skills: [{ type: "skill_reference", skill_id: "s".repeat(65) }] }],
  ]
  for (const [name, params] of bad) {
    it.effect(`create with ${name} fails with InvalidRequestError and sends nothing`, () => {
      const stub = Stub.layer(() => Stub.json(Stub.container("cntr_1")))
      return Effect.gen(function* () {
        const error = yield* Effect.flip(Containers.create(params as Models.CreateContainerParams))
        expect(error._tag).toBe("InvalidRequestError")
        expect(stub.requests).toHaveLength(0)
      }).pipe(Effect.provide(stub.layer))
    })
  }

  it.effect("invalid parameters are described field by field", () => {
    const stub = Stub.layer(() => Stub.json(Stub.container("cntr_1")))
    return Effect.gen(function* () {
      const limit = yield* Effect.flip(Containers.list({ limit: 500 }))
      expect(limit.message).toBe(
        "Invalid list parameters: limit: Expected a value between 1 and 100, got 500",
      )
      const memory = yield* Effect.flip(Containers.create({ name: "x", memory_limit: "2g" as never }))
      expect(memory.message).toBe(
        'Invalid container parameters: memory_limit: Expected "1g" | "4g" | "16g" | "64g", got "2g"',
      )
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("retrieve and delete hit /containers/{id}", () => {
    const stub = Stub.layer((request) =>
      request.method === "DELETE"
        ? Stub.json({ id: "cntr_1", object: "container.deleted", deleted: true })
        : Stub.json(Stub.container("cntr_1", { memory_limit: null, network_policy: null })),
    )
    return Effect.gen(function* () {
      const container = yield* Containers.retrieve("cntr_1")
      expect(container.memory_limit).toBeUndefined()
      expect(container.network_policy).toBeUndefined()
      const deleted = yield* Containers.delete("cntr_1")
      expect(deleted).toEqual(
        new Models.ContainerDeleted({ id: "cntr_1", object: "container.deleted", deleted: true }),
      )
      expect(stub.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
        "GET /v1/containers/cntr_1",
        "DELETE /v1/containers/cntr_1",
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("list sends limit, order, after and name; decodes a page", () => {
    const stub = Stub.layer(() =>
      Stub.json({
        object: "list",
        data: [Stub.container("cntr_2")],
        first_id: "cntr_2",
        last_id: "cntr_2",
        has_more: false,
      }),
    )
    return Effect.gen(function* () {
      const page = yield* Containers.list({
        limit: 100,
        order: "desc",
        after: "cntr_1",
        name: "My Container",
      })
      expect(page).toBeInstanceOf(Models.ContainerList)
      expect(page.data.map((c) => c.id)).toEqual(["cntr_2"])
      expect(Object.fromEntries(stub.requests[0]!.url.searchParams)).toEqual({
        limit: "100",
        order: "desc",
        after: "cntr_1",
        name: "My Container",
      })
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("bad ids and limits fail before sending", () => {
    const stub = Stub.layer(() => Stub.json(Stub.container("cntr_1")))
    return Effect.gen(function* () {
      const calls: ReadonlyArray<
        Effect.Effect<unknown, { _tag: string }, ContainersClient.ContainersClient>
      > = [
        Containers.retrieve(""),
        Containers.delete(".."),
        Containers.list({ limit: 0 }),
        Containers.list({ limit: 101 }),
        Containers.list({ order: "up" as never }),
      ]
      for (const effect of calls) {
        expect((yield* Effect.flip(effect))._tag).toBe("InvalidRequestError")
      }
      expect(stub.requests).toHaveLength(0)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("each call runs in a span named after it, with the ids as attributes", () => {
    const stub = Stub.layer((request) =>
      request.method === "DELETE"
        ? Stub.json({ id: "cntr_1", object: "container.deleted", deleted: true })
        : Stub.json(Stub.container("cntr_1")),
    )
    return Effect.gen(function* () {
      const { spans, tracer } = yield* Stub.spanRecorder
      yield* Containers.retrieve("cntr_1").pipe(Effect.withTracer(tracer))
      yield* Containers.create({ name: "x" }).pipe(Effect.withTracer(tracer))
      yield* Containers.delete("cntr_1").pipe(Effect.withTracer(tracer))
      expect(spans.map((s) => [s.name, s.attributes.get("openai.container_id")])).toEqual([
        ["Containers.retrieve", "cntr_1"],
        ["Containers.create", undefined],
        ["Containers.delete", "cntr_1"],
      ])
      for (const span of spans) expect(JSON.stringify([...span.attributes])).not.toContain(Stub.apiKey)
    }).pipe(Effect.provide(stub.layer))
  })
})
