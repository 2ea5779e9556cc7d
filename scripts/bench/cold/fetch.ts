/** Plain fetch: one GET, the JSON parsed. */
import type { ColdJob } from "./types.js"

export const retrieve = async (job: ColdJob): Promise<number> => {
  const response = await fetch(`${job.baseUrl}/containers/${job.containerId}/files/${job.fileId}`, {
    headers: { authorization: `Bearer ${job.apiKey}` },
  })
  if (!response.ok) throw new Error(`retrieve: ${response.status}`)
  return ((await response.json()) as { readonly bytes: number }).bytes
}
