/**
 * Schemas for every request and response of the Containers API. Field names are the API's own
 * (snake_case) in both the encoded and decoded form, so the REST reference reads directly.
 * Timestamps stay unix seconds (numbers) everywhere.
 *
 * Responses decode what the spec guarantees and no more: open strings (`object`, `status`,
 * `source`, `memory_limit`) accept values the API adds later, unknown fields are ignored, and
 * optional fields that come back `null` decode as absent.
 *
 * @since 2.0.0
 */
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"

// An optional response field the API may send as `null`: absent, `undefined` and `null` all
// decode as absent (Effect 3's `optionalWith(schema, { nullable: true })`).
const optional = <S extends Schema.Top>(schema: S) =>
  Schema.optional(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(Schema.optional(Schema.toType(schema)), {
      decode: SchemaGetter.transformOptional(Option.filter(Predicate.isNotNull)),
      encode: SchemaGetter.passthroughSupertype(),
    }),
  )

/**
 * Sort order by `created_at`.
 *
 * @since 2.0.0
 * @category params
 */
export const Order = Schema.Literals(["asc", "desc"])

/**
 * Page size: an integer from 1 to 100.
 *
 * @since 2.0.0
 * @category params
 */
export const Limit = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))

/**
 * Query parameters of the list endpoints. `limit` is the page size, not a total.
 *
 * @since 2.0.0
 * @category params
 */
export const ListParams = Schema.Struct({
  after: Schema.optional(Schema.String),
  limit: Schema.optional(Limit),
  order: Schema.optional(Order),
})

/**
 * @since 2.0.0
 * @category params
 */
export type ListParams = typeof ListParams.Type

/**
 * Query parameters of `Containers.list`: those of every list, plus a `name` filter.
 *
 * @since 2.0.0
 * @category params
 */
export const ContainerListParams = Schema.Struct({
  ...ListParams.fields,
  name: Schema.optional(Schema.String),
})

/**
 * @since 2.0.0
 * @category params
 */
export type ContainerListParams = typeof ContainerListParams.Type

// ---------------------------------------------------------------------------------------------
// Container files
// ---------------------------------------------------------------------------------------------

/**
 * A file in a container.
 *
 * @since 2.0.0
 * @category models
 */
export class ContainerFile extends Schema.Class<ContainerFile>("ContainerFile")({
  id: Schema.String,
  /** `container.file` today. */
  object: Schema.String,
  container_id: Schema.String,
  /** Unix seconds. */
  created_at: Schema.Number,
  bytes: Schema.Number,
  /** Path inside the container, e.g. `/mnt/data/report.csv`. */
  path: Schema.String,
  /** Who made it, e.g. `user` or `assistant`. */
  source: Schema.String,
}) {}

/**
 * A page of container files. `first_id`/`last_id` may be absent when `data` is empty.
 *
 * @since 2.0.0
 * @category models
 */
export class ContainerFileList extends Schema.Class<ContainerFileList>("ContainerFileList")({
  object: Schema.Literal("list"),
  data: Schema.Array(ContainerFile),
  first_id: optional(Schema.String),
  last_id: optional(Schema.String),
  has_more: Schema.Boolean,
}) {}

/**
 * The answer to a container file delete.
 *
 * @since 2.0.0
 * @category models
 */
export class ContainerFileDeleted extends Schema.Class<ContainerFileDeleted>("ContainerFileDeleted")({
  id: Schema.String,
  /** `container.file.deleted` today. */
  object: Schema.String,
  deleted: Schema.Boolean,
}) {}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

/**
 * Memory limits the API accepts when creating a container.
 *
 * @since 2.0.0
 * @category params
 */
export const MemoryLimit = Schema.Literals(["1g", "4g", "16g", "64g"])

/**
 * When the container expires: `minutes` after its `anchor`.
 *
 * @since 2.0.0
 * @category models
 */
export class ExpiresAfter extends Schema.Class<ExpiresAfter>("ExpiresAfter")({
  anchor: optional(Schema.String),
  minutes: optional(Schema.Number),
}) {}

/**
 * A container's outbound network policy.
 *
 * @since 2.0.0
 * @category models
 */
export class NetworkPolicy extends Schema.Class<NetworkPolicy>("NetworkPolicy")({
  /** `allowlist` or `disabled` today. */
  type: Schema.String,
  allowed_domains: optional(Schema.Array(Schema.String)),
}) {}

/**
 * A container.
 *
 * @since 2.0.0
 * @category models
 */
export class Container extends Schema.Class<Container>("Container")({
  id: Schema.String,
  /** `container` today. */
  object: Schema.String,
  name: Schema.String,
  /** Unix seconds. */
  created_at: Schema.Number,
  /** e.g. `running`. */
  status: Schema.String,
  /** Unix seconds. */
  last_active_at: optional(Schema.Number),
  expires_after: optional(ExpiresAfter),
  /** One of {@link MemoryLimit} today. */
  memory_limit: optional(Schema.String),
  network_policy: optional(NetworkPolicy),
}) {}

/**
 * A page of containers. `first_id`/`last_id` may be absent when `data` is empty.
 *
 * @since 2.0.0
 * @category models
 */
export class ContainerList extends Schema.Class<ContainerList>("ContainerList")({
  object: Schema.Literal("list"),
  data: Schema.Array(Container),
  first_id: optional(Schema.String),
  last_id: optional(Schema.String),
  has_more: Schema.Boolean,
}) {}

/**
 * The answer to a container delete.
 *
 * @since 2.0.0
 * @category models
 */
export class ContainerDeleted extends Schema.Class<ContainerDeleted>("ContainerDeleted")({
  id: Schema.String,
  /** `container.deleted` today. */
  object: Schema.String,
  deleted: Schema.Boolean,
}) {}

// ---------------------------------------------------------------------------------------------
// Create container body
// ---------------------------------------------------------------------------------------------

const NonEmptyString = Schema.String.check(Schema.isMinLength(1))

/**
 * A skill created with the `/v1/skills` endpoint, by id.
 *
 * @since 2.0.0
 * @category params
 */
export const SkillReference = Schema.Struct({
  type: Schema.Literal("skill_reference"),
  skill_id: Schema.String.check(Schema.isBetweenLength(1, 64)),
  /** A positive integer or `latest`; omit for the default. */
  version: Schema.optional(Schema.String),
})

/**
 * A skill given inline as a base64 zip bundle.
 *
 * @since 2.0.0
 * @category params
 */
export const InlineSkill = Schema.Struct({
  type: Schema.Literal("inline"),
  name: Schema.String,
  description: Schema.String,
  source: Schema.Struct({
    type: Schema.Literal("base64"),
    media_type: Schema.Literal("application/zip"),
    data: Schema.String.check(Schema.isBetweenLength(1, 70254592)),
  }),
})

/**
 * A secret injected for an allowlisted domain. The value is `Redacted` so it never shows in
 * logs or errors; it is revealed only in the request body.
 *
 * @since 2.0.0
 * @category params
 */
export const DomainSecret = Schema.Struct({
  domain: NonEmptyString,
  name: NonEmptyString,
  value: Schema.RedactedFromValue(Schema.String.check(Schema.isBetweenLength(1, 10485760))),
})

/**
 * The network policy to create a container with.
 *
 * @since 2.0.0
 * @category params
 */
export const NetworkPolicyParam = Schema.Union([
  Schema.Struct({ type: Schema.Literal("disabled") }),
  Schema.Struct({
    type: Schema.Literal("allowlist"),
    allowed_domains: Schema.NonEmptyArray(Schema.String),
    domain_secrets: Schema.optional(Schema.NonEmptyArray(DomainSecret)),
  }),
])

/**
 * The body of `Containers.create`.
 *
 * @since 2.0.0
 * @category params
 */
export const CreateContainerParams = Schema.Struct({
  name: Schema.String,
  /** Ids of files (from the Files API) to copy into the container. */
  file_ids: Schema.optional(Schema.Array(Schema.String)),
  expires_after: Schema.optional(
    Schema.Struct({
      anchor: Schema.Literal("last_active_at"),
      minutes: Schema.Int.check(Schema.isGreaterThan(0)),
    }),
  ),
  skills: Schema.optional(Schema.Array(Schema.Union([SkillReference, InlineSkill]))),
  /** Defaults to `1g` on the API side. */
  memory_limit: Schema.optional(MemoryLimit),
  network_policy: Schema.optional(NetworkPolicyParam),
})

/**
 * @since 2.0.0
 * @category params
 */
export type CreateContainerParams = typeof CreateContainerParams.Type

/**
 * The JSON body of `ContainerFiles.create` when copying an existing file by id.
 *
 * @since 2.0.0
 * @category params
 */
export const CreateContainerFileJson = Schema.Struct({ file_id: NonEmptyString })
