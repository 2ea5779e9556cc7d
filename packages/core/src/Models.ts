/**
 * Schemas for every request and response, with the API's own snake_case names and unix seconds.
 * Responses decode what the spec guarantees and no more: open strings accept values the API adds
 * later, unknown fields are ignored, and optional fields that come back `null` decode as absent.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

// A page of a list endpoint; `first_id`/`last_id` may be absent when `data` is empty.
const page = <S extends Schema.Schema.Any>(item: S) => ({
  object: Schema.Literal("list"),
  data: Schema.Array(item),
  first_id: optional(Schema.String),
  last_id: optional(Schema.String),
  has_more: Schema.Boolean,
})

const deleted = { id: Schema.String, object: Schema.String, deleted: Schema.Boolean }

/**
 * Sort order by `created_at`.
 *
 * @since 0.1.0
 * @category params
 */
export const Order = Schema.Literal("asc", "desc")

/**
 * Page size: an integer from 1 to 100.
 *
 * @since 0.1.0
 * @category params
 */
export const Limit = Schema.Int.pipe(Schema.between(1, 100))

/**
 * Query parameters of the list endpoints. `limit` is the page size, not a total.
 *
 * @since 0.1.0
 * @category params
 */
export const ListParams = Schema.Struct({
  after: Schema.optional(Schema.String),
  limit: Schema.optional(Limit),
  order: Schema.optional(Order),
})

/**
 * @since 0.1.0
 * @category params
 */
export type ListParams = typeof ListParams.Type

/**
 * Query parameters of `Containers.list`: those of every list, plus a `name` filter.
 *
 * @since 0.1.0
 * @category params
 */
export const ContainerListParams = Schema.Struct({
  ...ListParams.fields,
  name: Schema.optional(Schema.String),
})

/**
 * @since 0.1.0
 * @category params
 */
export type ContainerListParams = typeof ContainerListParams.Type

/**
 * A file in a container.
 *
 * @since 0.1.0
 * @category models
 */
export class ContainerFile extends Schema.Class<ContainerFile>("ContainerFile")({
  id: Schema.String,
  /** `container.file` today. */
  object: Schema.String,
  container_id: Schema.String,
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
 * @since 0.1.0
 * @category models
 */
export class ContainerFileList extends Schema.Class<ContainerFileList>("ContainerFileList")(
  page(ContainerFile),
) {}

/**
 * The answer to a container file delete (`object`: `container.file.deleted` today).
 *
 * @since 0.1.0
 * @category models
 */
export class ContainerFileDeleted extends Schema.Class<ContainerFileDeleted>("ContainerFileDeleted")(
  deleted,
) {}

/**
 * Memory limits the API accepts when creating a container.
 *
 * @since 0.1.0
 * @category params
 */
export const MemoryLimit = Schema.Literal("1g", "4g", "16g", "64g")

/**
 * When the container expires: `minutes` after its `anchor`.
 *
 * @since 0.1.0
 * @category models
 */
export class ExpiresAfter extends Schema.Class<ExpiresAfter>("ExpiresAfter")({
  anchor: optional(Schema.String),
  minutes: optional(Schema.Number),
}) {}

/**
 * A container's outbound network policy.
 *
 * @since 0.1.0
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
 * @since 0.1.0
 * @category models
 */
export class Container extends Schema.Class<Container>("Container")({
  id: Schema.String,
  /** `container` today. */
  object: Schema.String,
  name: Schema.String,
  created_at: Schema.Number,
  /** e.g. `running`. */
  status: Schema.String,
  last_active_at: optional(Schema.Number),
  expires_after: optional(ExpiresAfter),
  /** One of {@link MemoryLimit} today. */
  memory_limit: optional(Schema.String),
  network_policy: optional(NetworkPolicy),
}) {}

/**
 * A page of containers. `first_id`/`last_id` may be absent when `data` is empty.
 *
 * @since 0.1.0
 * @category models
 */
export class ContainerList extends Schema.Class<ContainerList>("ContainerList")(page(Container)) {}

/**
 * The answer to a container delete (`object`: `container.deleted` today).
 *
 * @since 0.1.0
 * @category models
 */
export class ContainerDeleted extends Schema.Class<ContainerDeleted>("ContainerDeleted")(deleted) {}

const NonEmptyString = Schema.String.pipe(Schema.minLength(1))

/**
 * A skill created with the `/v1/skills` endpoint, by id.
 *
 * @since 0.1.0
 * @category params
 */
export const SkillReference = Schema.Struct({
  type: Schema.Literal("skill_reference"),
  skill_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)),
  /** A positive integer or `latest`; omit for the default. */
  version: Schema.optional(Schema.String),
})

/**
 * A skill given inline as a base64 zip bundle.
 *
 * @since 0.1.0
 * @category params
 */
export const InlineSkill = Schema.Struct({
  type: Schema.Literal("inline"),
  name: Schema.String,
  description: Schema.String,
  source: Schema.Struct({
    type: Schema.Literal("base64"),
    media_type: Schema.Literal("application/zip"),
    data: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(70254592)),
  }),
})

/**
 * A secret injected for an allowlisted domain; its `Redacted` value shows only in the request body.
 *
 * @since 0.1.0
 * @category params
 */
export const DomainSecret = Schema.Struct({
  domain: NonEmptyString,
  name: NonEmptyString,
  value: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(10485760))),
})

/**
 * The network policy to create a container with.
 *
 * @since 0.1.0
 * @category params
 */
export const NetworkPolicyParam = Schema.Union(
  Schema.Struct({ type: Schema.Literal("disabled") }),
  Schema.Struct({
    type: Schema.Literal("allowlist"),
    allowed_domains: Schema.NonEmptyArray(Schema.String),
    domain_secrets: Schema.optional(Schema.NonEmptyArray(DomainSecret)),
  }),
)

/**
 * The body of `Containers.create`.
 *
 * @since 0.1.0
 * @category params
 */
export const CreateContainerParams = Schema.Struct({
  name: Schema.String,
  /** Ids of files (from the Files API) to copy into the container. */
  file_ids: Schema.optional(Schema.Array(Schema.String)),
  expires_after: Schema.optional(
    Schema.Struct({ anchor: Schema.Literal("last_active_at"), minutes: Schema.Int.pipe(Schema.positive()) }),
  ),
  skills: Schema.optional(Schema.Array(Schema.Union(SkillReference, InlineSkill))),
  /** Defaults to `1g` on the API side. */
  memory_limit: Schema.optional(MemoryLimit),
  network_policy: Schema.optional(NetworkPolicyParam),
})

/**
 * @since 0.1.0
 * @category params
 */
export type CreateContainerParams = typeof CreateContainerParams.Type

/**
 * The JSON body of `ContainerFiles.create` when copying an existing file by id.
 *
 * @since 0.1.0
 * @category params
 */
export const CreateContainerFileJson = Schema.Struct({ file_id: NonEmptyString })
