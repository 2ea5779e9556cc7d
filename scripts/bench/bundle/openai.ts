/**
 * Bundle-size program, the official SDK: list every file of a container, then retrieve the
 * first. Runs in a page behind the user's own proxy (the SDK still wants some key).
 */
import OpenAI from "openai"

const containerId = "cntr_123"
const client = new OpenAI({ baseURL: "/api/openai", apiKey: "proxy", dangerouslyAllowBrowser: true })

const main = async () => {
  const files = []
  for await (const file of client.containers.files.list(containerId, { limit: 100 })) files.push(file)
  const first = files[0]
  if (first !== undefined) {
    const file = await client.containers.files.retrieve(first.id, { container_id: containerId })
    console.log(file.path, file.bytes)
  }
  console.log(files.length)
}

main()
