/**
 * Where each contender's CPU goes in a page walk: V8's sampling profiler (`node:inspector`, in
 * this process) around extra walks run after the timed ones, each sample's own function put in
 * a bucket by where its code lives. The runner bundles our 1.x packages into its own files, and
 * our 2.x packages into `scripts/bench-effect4/.tmp`: they share a bucket; Effect (3 and 4), the
 * undici under it (7 and 8) and the SDK load from `node_modules`; `fetch` and its undici are
 * Node's own (`node:` URLs).
 */
import * as fs from "node:fs"
import { Session } from "node:inspector/promises"
import * as nodePath from "node:path"
import { pathToFileURL } from "node:url"
import { ours2xDir } from "./effect4.js"
import { summarize, type Table } from "./report.js"

interface CallFrame {
  readonly functionName: string
  readonly url: string
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** The buckets, in the order the table shows them. */
export const buckets = [
  "Effect and @effect/platform",
  "openai SDK",
  "undici from node_modules",
  "our packages (the runner's bundles)",
  "Node.js internals (fetch: its undici)",
  "JSON.parse",
  "socket writes (the kernel's loopback send)",
  "garbage collector",
  "other",
] as const
type Bucket = (typeof buckets)[number]

// Native functions that write to a socket: their time is mostly the kernel delivering the
// bytes to the server's socket on loopback, the same for every contender.
const socketWrites = new Set(["writeLatin1String", "writeUtf8String", "writeBuffer", "writev"])

const bucketOf = (
  { functionName, url }: CallFrame,
  bundleDirs: ReadonlyArray<string>,
): Bucket | undefined => {
  // Not the walk's: the idle loop, and the inspector's own `dispatch` of start and stop.
  if (functionName === "(idle)" || functionName === "(root)") return undefined
  if (functionName === "dispatch" && url === "") return undefined
  if (functionName === "(garbage collector)") return "garbage collector"
  if (url === "") {
    if (functionName === "parse") return "JSON.parse"
    if (socketWrites.has(functionName)) return "socket writes (the kernel's loopback send)"
    return "other"
  }
  if (url.includes("/node_modules/effect/") || url.includes("/node_modules/@effect/")) {
    return "Effect and @effect/platform"
  }
  if (url.includes("/node_modules/openai/")) return "openai SDK"
  if (url.includes("/node_modules/undici/")) return "undici from node_modules"
  if (url.startsWith("node:")) return "Node.js internals (fetch: its undici)"
  if (bundleDirs.some((dir) => url.startsWith(dir))) return "our packages (the runner's bundles)"
  return "other"
}

/** Milliseconds of CPU per bucket, divided by `walks`. */
const tally = (
  profile: Profile,
  walks: number,
  bundleDirs: ReadonlyArray<string>,
): Record<Bucket, number> => {
  const bucketById = new Map(profile.nodes.map((node) => [node.id, bucketOf(node.callFrame, bundleDirs)]))
  const out = Object.fromEntries(buckets.map((b) => [b, 0])) as Record<Bucket, number>
  profile.samples.forEach((id, i) => {
    const bucket = bucketById.get(id)
    // timeDeltas[i] is the time since the previous sample, in microseconds; the first one's
    // is since the profile's start, which V8 dates before the call that started it.
    if (bucket !== undefined && i > 0) out[bucket] += (profile.timeDeltas[i] ?? 0) / 1000 / walks
  })
  return out
}

/**
 * Profiles `walks` runs of `run` for each contender, one after another (a contender's own
 * profile, not interleaved), and returns a table of CPU milliseconds per walk by bucket. With
 * `saveDir`, each contender's profile is also written there as `<name>.cpuprofile` (open it in
 * Chrome DevTools' Performance panel, or any `.cpuprofile` viewer) to see it function by function.
 */
export const profileWalks = async (
  title: string,
  names: ReadonlyArray<string>,
  run: (name: string) => Promise<unknown>,
  walks: number,
  saveDir?: string,
): Promise<Table> => {
  // The runner's entry and the chunks esbuild split beside it, and the 2.x contender's bundle.
  const bundleDirs = [nodePath.dirname(process.argv[1]!), ours2xDir].map(
    (dir) => `${pathToFileURL(dir).href}/`,
  )
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 100 })
  const cells: Record<string, ReadonlyArray<string>> = {}
  const perWalk = new Map<string, Array<number>>()
  try {
    for (const name of names) {
      await run(name) // warm, unprofiled
      await session.post("Profiler.start")
      const cpu: Array<number> = []
      for (let i = 0; i < walks; i++) {
        const before = process.cpuUsage()
        await run(name)
        const used = process.cpuUsage(before)
        cpu.push((used.user + used.system) / 1000)
      }
      const { profile } = await session.post("Profiler.stop")
      if (saveDir !== undefined) {
        fs.mkdirSync(saveDir, { recursive: true })
        fs.writeFileSync(nodePath.join(saveDir, `${name}.cpuprofile`), JSON.stringify(profile))
      }
      const byBucket = tally(profile as Profile, walks, bundleDirs)
      const sampled = buckets.reduce((sum, b) => sum + byBucket[b], 0)
      perWalk.set(name, cpu)
      cells[name] = [sampled, ...buckets.map((b) => byBucket[b])].map((ms) => ms.toFixed(0))
    }
  } finally {
    await session.post("Profiler.disable")
    session.disconnect()
  }
  return {
    title,
    unit: "ms of CPU per walk",
    kind: "time",
    rows: names.map((contender) => ({ contender, summary: summarize(perWalk.get(contender)!) })),
    extra: { headers: ["main thread, sampled, ms", ...buckets.map((b) => `${b}, ms`)], cells },
    notes: [
      `The process's CPU time per walk (\`process.cpuUsage\`), ${walks} walk${walks === 1 ? "" : "s"} per contender one after another, after the timed runs and one unprofiled warm-up walk, under V8's sampling profiler (100 µs). "Main thread, sampled" is the time the profile saw the main thread busy, per walk; the columns after it split that time by where each sample's own function lives. The process's CPU also counts its other threads, which the profile does not see (V8's helper threads for the collector and the compiler, and the profiler's own sampling). The server's CPU is in another process and not counted.`,
    ],
  }
}
