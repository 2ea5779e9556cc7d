/** What a cold-start contender is given. */
export interface ColdJob {
  readonly baseUrl: string
  readonly apiKey: string
  readonly containerId: string
  readonly fileId: string
}
