/** One transfer, as `transfer.ts` hands it to a contender. */
export interface Job {
  readonly op: "download" | "upload"
  readonly baseUrl: string
  readonly apiKey: string
  readonly containerId: string
  /** The file id to download, or the path of the file to upload. */
  readonly subject: string
}

/** The transfer, prepared (client built, nothing sent): resolves to the bytes moved and the id of an uploaded file. */
export type Prepared = () => Promise<{ readonly bytes: number; readonly uploadedId?: string | undefined }>

/** Drains a body, counting its bytes. */
export const drain = async (body: ReadableStream<Uint8Array> | null): Promise<number> => {
  if (body === null) throw new Error("the response has no body")
  const reader = body.getReader()
  let bytes = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return bytes
    bytes += value.byteLength
  }
}
