import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { Models } from "../src/index.js"
import { declined, fastDecoder, sameShape } from "../src/internal/fastDecode.js"

const models = [
  Models.ContainerFile,
  Models.ContainerFileList,
  Models.ContainerFileDeleted,
  Models.Container,
  Models.ContainerList,
  Models.ContainerDeleted,
  Models.ExpiresAfter,
  Models.NetworkPolicy,
] as const

type Model = (typeof models)[number]

const decoderOf = (model: Model) => {
  const decode = fastDecoder(model as Schema.Schema<unknown, unknown>)
  if (decode === undefined) throw new Error(`${model.identifier} has no fast decoder`)
  return decode
}

/** A body as the wire carries it: JSON has no `undefined`, so keys holding it are dropped. */
const overJson = (u: unknown): unknown => JSON.parse(JSON.stringify(u))

/**
 * Bodies the schema accepts, with optional fields absent, null or set. (Non-finite numbers
 * become `null` over JSON; such bodies are left out.)
 */
const bodies = (model: Model) => {
  const schema = model as Schema.Schema<unknown, unknown>
  return Arbitrary.make(Schema.encodedSchema(schema))
    .map(overJson)
    .filter((body) => Either.isRight(Schema.decodeUnknownEither(schema)(body)))
}

/** `body` with the value at one path (a key of it, or of something inside it) replaced. */
const mutate = (body: unknown, path: ReadonlyArray<number>, value: unknown): unknown => {
  if (typeof body !== "object" || body === null || path.length === 0) return value
  const copy: Record<string, unknown> | Array<unknown> = Array.isArray(body) ? [...body] : { ...body }
  const keys = Object.keys(copy)
  if (keys.length === 0) return value
  const key = keys[path[0]! % keys.length]!
  ;(copy as Record<string, unknown>)[key] = mutate(
    (copy as Record<string, unknown>)[key],
    path.slice(1),
    value,
  )
  return copy
}

/** The property every decode must keep: the fast path declines, or builds what the schema builds. */
const agrees = (model: Model, body: unknown) => {
  const fast = decoderOf(model)(body)
  const slow = Schema.decodeUnknownEither(model as Schema.Schema<unknown, unknown>)(body)
  if (Either.isLeft(slow)) return fast === declined
  return fast === declined || sameShape(fast, slow.right)
}

describe("fast decode of response bodies", () => {
  it("every response model has one", () => {
    for (const model of models)
      expect(fastDecoder(model as Schema.Schema<unknown, unknown>)).toBeTypeOf("function")
  })

  it("builds exactly what the schema builds, for every body the schema accepts", () => {
    for (const model of models) {
      FastCheck.assert(
        FastCheck.property(bodies(model), (body) => {
          const fast = decoderOf(model)(body)
          const slow = Schema.decodeUnknownSync(model as Schema.Schema<unknown, unknown>)(body)
          // Never declines a JSON body the schema accepts: the fast path is the one taken.
          return fast !== declined && sameShape(fast, slow) && fast instanceof model
        }),
        { numRuns: 200 },
      )
    }
  })

  it("declines whatever the schema rejects, and agrees on whatever else it takes", () => {
    const anyJson = FastCheck.oneof(
      FastCheck.jsonValue({ maxDepth: 2 }),
      FastCheck.constantFrom(null, undefined, "", 0, [], {}),
    )
    for (const model of models) {
      FastCheck.assert(
        FastCheck.property(
          bodies(model),
          FastCheck.array(FastCheck.nat(), { minLength: 1, maxLength: 4 }),
          anyJson,
          (body, path, value) => agrees(model, mutate(body, path, value)),
        ),
        { numRuns: 300 },
      )
    }
  })

  it("leaves out optional fields sent as null and ignores unknown fields, as the schema does", () => {
    const body = {
      object: "list",
      data: [
        {
          id: "cfile_1",
          object: "container.file",
          container_id: "cntr_1",
          created_at: 1,
          bytes: 2,
          path: "/mnt/data/a",
          source: "user",
          extra: { nested: true },
        },
      ],
      first_id: null,
      has_more: false,
      something_new: 1,
    }
    const fast = decoderOf(Models.ContainerFileList)(body)
    expect(fast).toBeInstanceOf(Models.ContainerFileList)
    expect(Reflect.ownKeys(fast as object)).toEqual(["object", "data", "has_more"])
    expect(Reflect.ownKeys((fast as Models.ContainerFileList).data[0]!)).toEqual([
      "id",
      "object",
      "container_id",
      "created_at",
      "bytes",
      "path",
      "source",
    ])
    expect(sameShape(fast, Schema.decodeUnknownSync(Models.ContainerFileList)(body))).toBe(true)
  })

  it("declines a wrong type, a missing field, a wrong literal and a non-object", () => {
    const file = {
      id: "cfile_1",
      object: "container.file",
      container_id: "cntr_1",
      created_at: 1,
      bytes: 2,
      path: "/mnt/data/a",
      source: "user",
    }
    const decode = decoderOf(Models.ContainerFile)
    expect(decode(file)).toBeInstanceOf(Models.ContainerFile)
    expect(decode({ ...file, bytes: "2" })).toBe(declined)
    const { path: _, ...withoutPath } = file
    expect(decode(withoutPath)).toBe(declined)
    expect(decode([file])).toBe(declined)
    expect(decode(null)).toBe(declined)
    // An inherited value is not the body's own field.
    expect(decode(Object.assign(Object.create({ path: "/x" }), withoutPath))).toBe(declined)
    const list = decoderOf(Models.ContainerFileList)
    expect(list({ object: "lists", data: [file], has_more: false })).toBe(declined)
    expect(list({ object: "list", data: [file, { ...file, id: 1 }], has_more: false })).toBe(declined)
    expect(list({ object: "list", data: [], has_more: false, last_id: 5 })).toBe(declined)
  })
})
