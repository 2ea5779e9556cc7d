/** The official SDK: `containers.files.retrieve`. */
import OpenAI from "openai"
import type { ColdJob } from "./types.js"

export const retrieve = async (job: ColdJob): Promise<number> => {
  const client = new OpenAI({ apiKey: job.apiKey, baseURL: job.baseUrl })
  const file = await client.containers.files.retrieve(job.fileId, { container_id: job.containerId })
  return file.bytes ?? 0
}
