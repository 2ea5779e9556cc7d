/** Plain fetch: the body drained; uploads as `FormData` over a lazy `fs.openAsBlob`. */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { drain, type Job, type Prepared } from "./types.js"

export const prepare = (job: Job): Prepared => {
  const headers = { authorization: `Bearer ${job.apiKey}` }
  const filesUrl = `${job.baseUrl}/containers/${job.containerId}/files`
  if (job.op === "download") {
    return async () => {
      const response = await fetch(`${filesUrl}/${job.subject}/content`, { headers })
      if (!response.ok) throw new Error(`download: ${response.status}`)
      return { bytes: await drain(response.body) }
    }
  }
  return async () => {
    const form = new FormData()
    form.append("file", await fs.openAsBlob(job.subject), nodePath.basename(job.subject))
    const response = await fetch(filesUrl, { method: "POST", headers, body: form })
    if (!response.ok) throw new Error(`upload: ${response.status} ${await response.text()}`)
    const created = (await response.json()) as { readonly id: string; readonly bytes: number }
    return { bytes: created.bytes, uploadedId: created.id }
  }
}
