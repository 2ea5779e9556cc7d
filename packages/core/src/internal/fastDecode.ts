/**
 * A fast path for decoding response bodies into the model classes.
 *
 * Effect's generic parser and each class's constructor (which copies, merges defaults and
 * assigns every field again) cost 250-500 µs of client CPU for a page of 100 files, the largest
 * single share of a page walk's CPU. For a body the schema accepts, the decoder built here
 * checks the same field types and builds the same instances (same prototype, same own keys in
 * the same order, same values) directly. On anything it is not sure of it declines, and the
 * schema decodes, and reports, exactly as before. It is built only for fields whose meaning it
 * knows (strings, numbers, booleans, literals, arrays, nested model classes and
 * `optionalWith(..., { nullable: true })`), and each class's decoder is checked once against
 * the schema's own decode of sample bodies before it is used.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import * as Models from "../Models.js"

/** What a fast decoder returns for input it leaves to the schema. */
export const declined: unique symbol = Symbol("fastDecode/declined")

type Check = (u: unknown) => unknown

/** A class made by `Schema.Class`: a schema, a constructor and its `fields`. */
interface ModelClass {
  readonly ast: AST.AST
  readonly fields: Readonly<Record<string, Schema.Struct.Field>>
  readonly prototype: object
}

// The response models; nested ones are found by their schema's AST.
const classes: ReadonlyArray<ModelClass> = [
  Models.ContainerFile,
  Models.ContainerFileList,
  Models.ContainerFileDeleted,
  Models.ExpiresAfter,
  Models.NetworkPolicy,
  Models.Container,
  Models.ContainerList,
  Models.ContainerDeleted,
]
const classByAst = new Map<AST.AST, ModelClass>(classes.map((c) => [c.ast, c]))

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)
const hasOwn = Object.prototype.hasOwnProperty

/** The check for a type, or undefined where this module does not know its meaning. */
const typeCheck = (ast: AST.AST): Check | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => (typeof u === "string" ? u : declined)
    case "NumberKeyword":
      return (u) => (typeof u === "number" ? u : declined)
    case "BooleanKeyword":
      return (u) => (typeof u === "boolean" ? u : declined)
    case "Literal": {
      const literal = ast.literal
      return (u) => (u === literal ? u : declined)
    }
    case "Union": {
      if (!ast.types.every((member) => member._tag === "Literal")) return undefined
      const literals = new Set(ast.types.map((member) => (member as AST.Literal).literal))
      return (u) => (literals.has(u as AST.LiteralValue) ? u : declined)
    }
    case "TupleType": {
      // `Schema.Array(item)`: no fixed elements, one rest element.
      if (ast.elements.length !== 0 || ast.rest.length !== 1) return undefined
      const item = typeCheck(ast.rest[0]!.type)
      if (item === undefined) return undefined
      return (u) => {
        if (!Array.isArray(u)) return declined
        const out = new Array<unknown>(u.length)
        for (let i = 0; i < u.length; i++) {
          const value = item(u[i])
          if (value === declined) return declined
          out[i] = value
        }
        return out
      }
    }
    case "Transformation": {
      const model = classByAst.get(ast)
      return model === undefined ? undefined : classDecoder(model)
    }
    default:
      return undefined
  }
}

/**
 * For `optionalWith(S, { nullable: true })` (with or without `exact`): the check of `S`. Its
 * AST is a transformation from an optional `S | null (| undefined)` to an optional `S`; the
 * decode function is tried on the three cases that matter to be sure it drops `null` and
 * absence and keeps a value as it is.
 */
const nullableOptional = (ast: Schema.PropertySignatureTransformation): Check | undefined => {
  if (!ast.from.isOptional || !ast.to.isOptional || ast.from.type._tag !== "Union") return undefined
  const isNull = (member: AST.AST) => member._tag === "Literal" && member.literal === null
  const members = ast.from.type.types.filter(
    (member) => member._tag !== "UndefinedKeyword" && !isNull(member),
  )
  if (members.length !== 1 || !ast.from.type.types.some(isNull)) return undefined
  const probe = {}
  const kept = ast.decode(Option.some(probe))
  const dropsNull = Option.isNone(ast.decode(Option.some(null)))
  const dropsAbsent = Option.isNone(ast.decode(Option.none()))
  if (!dropsNull || !dropsAbsent || Option.isNone(kept) || kept.value !== probe) return undefined
  return typeCheck(members[0]!)
}

interface Field {
  readonly name: string
  readonly check: Check
  /** Absent or `null` in the body: left out of the instance. */
  readonly optional: boolean
}

const decoders = new Map<ModelClass, Check | undefined>()

/**
 * The decoder of a model class, or undefined where some field is of a kind this module does
 * not know or the result differs from the schema's on the samples.
 */
const classDecoder = (model: ModelClass): Check | undefined => {
  if (decoders.has(model)) return decoders.get(model)
  // Set first: a class that (through its fields) contains itself gets no fast path.
  decoders.set(model, undefined)
  const fields: Array<Field> = []
  for (const [name, field] of Object.entries(model.fields)) {
    if (!Schema.isPropertySignature(field)) {
      const check = typeCheck(field.ast)
      if (check === undefined) return undefined
      fields.push({ name, check, optional: false })
    } else if (field.ast._tag === "PropertySignatureTransformation") {
      const check = nullableOptional(field.ast)
      if (check === undefined) return undefined
      fields.push({ name, check, optional: true })
    } else return undefined
  }
  const proto = model.prototype
  const names = fields.map((f) => f.name)
  const checks = fields.map((f) => f.check)
  const optionals = fields.map((f) => f.optional)
  const decode: Check = (u) => {
    if (!isRecord(u)) return declined
    const out: Record<string, unknown> = Object.create(proto)
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const value = u[name]
      if (value === undefined || value === null) {
        // Absent or null: left out where optional; anything else the schema judges.
        if (optionals[i] && (value === null || !hasOwn.call(u, name))) continue
        return declined
      }
      const decoded = checks[i]!(value)
      if (decoded === declined || !hasOwn.call(u, name)) return declined
      out[name] = decoded
    }
    return out
  }
  const checked = agreesWithSchema(model, decode) ? decode : undefined
  decoders.set(model, checked)
  return checked
}

/** A body the schema accepts: every field set (`full`) or every optional one `null`. */
const sample = (model: ModelClass, full: boolean): Record<string, unknown> =>
  Object.fromEntries(Object.entries(model.fields).map(([name, field]) => [name, sampleOf(field, full)]))

const sampleOf = (field: Schema.Struct.Field, full: boolean): unknown => {
  if (Schema.isPropertySignature(field)) {
    if (!full || field.ast._tag !== "PropertySignatureTransformation") return null
    const type = field.ast.from.type
    const member = type._tag === "Union" ? type.types[0]! : type
    return sampleOfAst(member, full)
  }
  return sampleOfAst(field.ast, full)
}

const sampleOfAst = (ast: AST.AST, full: boolean): unknown => {
  switch (ast._tag) {
    case "StringKeyword":
      return "s"
    case "NumberKeyword":
      return 1.5
    case "BooleanKeyword":
      return true
    case "Literal":
      return ast.literal
    case "Union":
      return sampleOfAst(ast.types[0]!, full)
    case "TupleType":
      return ast.rest.length === 1 ? [sampleOfAst(ast.rest[0]!.type, full)] : []
    case "Transformation": {
      const model = classByAst.get(ast)
      return model === undefined ? undefined : sample(model, full)
    }
    default:
      return undefined
  }
}

/** Whether `decode` builds what the schema builds for both samples, down to key order. */
const agreesWithSchema = (model: ModelClass, decode: Check): boolean =>
  [true, false].every((full) => {
    const body = sample(model, full)
    const expected = Schema.decodeUnknownEither(Schema.make<unknown>(model.ast))(body)
    return expected._tag === "Right" && sameShape(decode(body), expected.right)
  })

/** Same prototype, same own keys in the same order, same values (arrays and objects deeply). */
export const sameShape = (a: unknown, b: unknown): boolean => {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return Object.is(a, b)
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  const keysA = Reflect.ownKeys(a)
  const keysB = Reflect.ownKeys(b)
  return (
    keysA.length === keysB.length &&
    keysA.every(
      (key, i) =>
        key === keysB[i] &&
        sameShape((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key]),
    )
  )
}

/**
 * The fast decoder for `schema`, when it is one of the response models and the fast path
 * agrees with it; returns {@link declined} for a body it leaves to the schema.
 */
export const fastDecoder = <A, I>(
  schema: Schema.Schema<A, I>,
): ((u: unknown) => A | typeof declined) | undefined => {
  const model = classByAst.get(schema.ast)
  return model === undefined
    ? undefined
    : (classDecoder(model) as ((u: unknown) => A | typeof declined) | undefined)
}
