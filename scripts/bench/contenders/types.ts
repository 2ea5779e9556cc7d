/** What an in-process contender is (`contenders.ts`; the 2.x one in `scripts/bench-effect4`). */

export interface Target {
  readonly baseUrl: string
  readonly apiKey: string
}

/** Listing: every file of the container, `pageSize` per request, `workMs` of waiting per page. */
export interface ListJob {
  readonly containerId: string
  readonly pageSize: number
  readonly workMs: number
}

/** The work a contender can do; each resolves to a checksum the runner compares. */
export interface Contender {
  readonly name: string
  readonly list: (job: ListJob) => Promise<number>
  readonly retrieve: (
    containerId: string,
    fileIds: ReadonlyArray<string>,
    concurrency: number,
  ) => Promise<number>
  readonly close: () => Promise<void>
}
