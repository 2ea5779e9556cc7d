/**
 * Bundle-size program, plain fetch: list every file of a container, then retrieve the first.
 */
interface Page {
  readonly data: ReadonlyArray<{ readonly id: string; readonly path: string; readonly bytes: number }>
  readonly has_more: boolean
  readonly last_id?: string | null
}

const containerId = "cntr_123"
const base = `/api/openai/containers/${containerId}/files`

const getJson = async <A>(url: string): Promise<A> => {
  const response = await fetch(url, { headers: { accept: "application/json" } })
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return (await response.json()) as A
}

const main = async () => {
  const files: Array<Page["data"][number]> = []
  let after: string | undefined
  for (;;) {
    const page = await getJson<Page>(`${base}?limit=100${after === undefined ? "" : `&after=${after}`}`)
    files.push(...page.data)
    if (!page.has_more || page.data.length === 0) break
    after = page.last_id ?? page.data[page.data.length - 1]!.id
  }
  const first = files[0]
  if (first !== undefined) {
    const file = await getJson<Page["data"][number]>(`${base}/${first.id}`)
    console.log(file.path, file.bytes)
  }
  console.log(files.length)
}

main()
