/**
 * The official SDK: the content `Response` drained; uploads from `fs.createReadStream` (the
 * SDK README's way) or, as `openai-blob`, from a `File` over a lazy `fs.openAsBlob`.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import OpenAI from "openai"
import { drain, type Job, type Prepared } from "./types.js"

export const prepare = (job: Job, source: "stream" | "blob"): Prepared => {
  const client = new OpenAI({ apiKey: job.apiKey, baseURL: job.baseUrl })
  if (job.op === "download") {
    return async () => {
      const response = await client.containers.files.content.retrieve(job.subject, {
        container_id: job.containerId,
      })
      return { bytes: await drain(response.body) }
    }
  }
  return async () => {
    const file =
      source === "stream"
        ? fs.createReadStream(job.subject)
        : new File([await fs.openAsBlob(job.subject)], nodePath.basename(job.subject))
    const created = await client.containers.files.create(job.containerId, { file })
    return { bytes: created.bytes ?? 0, uploadedId: created.id }
  }
}
