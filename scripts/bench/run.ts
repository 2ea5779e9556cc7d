/**
 * The benchmark runner: this library's two lines (Node layer), `ours` (1.x, Effect 3) and
 * `ours-2x` (2.x, Effect 4; see `effect4.ts`), against the official `openai` SDK and plain
 * `fetch`, against the fake Containers API served over HTTP on loopback by child processes.
 * Contenders are interleaved (round-robin, the starting one rotating each repetition) and each
 * figure is the median of the repetitions, with min and max. Started by tsx, it runs itself and
 * the server as an esbuild bundle under plain `node` (see `buildRunner`), on Node >= 22.19 for
 * every contender alike (Node 24 through npx when started on an older one; see `benchNode`).
 *
 *   pnpm bench            full run (about 10 minutes), writes its section of BENCHMARKS.md
 *   pnpm bench:quick      small sizes, one repetition, prints only (CI: checks the code runs)
 *
 * Flags: --quick, --no-write, --only list,retrieve,transfer,cold,bundle, --reps N, --profile-dir DIR
 * (also write the profiles of the CPU table, one `.cpuprofile` per contender, to DIR).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as nodePath from "node:path"
import { buildCold, buildRunner, buildTransfer, bundleSize, here } from "./bundle.js"
import { type ContenderName, contenderNames, make as makeContender, type Target } from "./contenders.js"
import { benchNode, buildOurs2x, effect4Sources } from "./effect4.js"
import { profileWalks } from "./profile.js"
import {
  type Target as Goal,
  markdownTable,
  markdownTargets,
  median,
  type Row,
  summarize,
  type Table,
} from "./report.js"

const root = nodePath.resolve(here, "..", "..")
const MiB = 1024 * 1024
const apiKey = "sk-bench-local"

const argv = process.argv.slice(2)
const quick = argv.includes("--quick")
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`)
  return i === -1 ? undefined : argv[i + 1]
}
const only = option("only")?.split(",")
// Relative to where the command was started (pnpm runs the script in `scripts/`).
const profileDirFlag = option("profile-dir")
const profileDir =
  profileDirFlag === undefined
    ? undefined
    : nodePath.resolve(process.env.INIT_CWD ?? process.cwd(), profileDirFlag)
const enabled = (part: string) => only === undefined || only.includes(part)

const config = quick
  ? {
      files: 300,
      retrieves: 100,
      concurrency: 32,
      bigFile: 16 * MiB,
      listReps: 1,
      retrieveReps: 1,
      transferReps: 1,
      coldReps: 1,
      profiledWalks: 1,
      warmup: false,
    }
  : {
      files: 20_000,
      retrieves: 5_000,
      concurrency: 32,
      bigFile: 512 * MiB,
      listReps: 7,
      retrieveReps: 3,
      transferReps: 5,
      coldReps: 15,
      profiledWalks: 3,
      warmup: true,
    }
const repsFlag = option("reps")
const listReps = Number(repsFlag ?? config.listReps)
const retrieveReps = Number(repsFlag ?? config.retrieveReps)
const transferReps = Number(repsFlag ?? config.transferReps)
const coldReps = Number(repsFlag ?? config.coldReps)
const pageSize = 100
const pageWorkMs = 5
const serverLatencyMs = 5

const log = (line: string) => process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

const children = new Set<ChildProcess>()
const stopChildren = () => {
  for (const child of children) child.kill()
}
process.on("exit", stopChildren)

const spawnNode = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
  children.add(child)
  child.once("exit", () => children.delete(child))
  return child
}

/** The bundled server, built beside this bundled runner by `buildRunner`. */
const spawnServer = (args: ReadonlyArray<string>) =>
  spawnNode([nodePath.join(nodePath.dirname(process.argv[1]!), "server.mjs"), ...args])

const firstLine = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let buffered = ""
    child.stdout!.on("data", (data: Buffer) => {
      buffered += data.toString()
      const newline = buffered.indexOf("\n")
      if (newline >= 0) resolve(buffered.slice(0, newline))
    })
    child.once("exit", (code) => reject(new Error(`child exited with ${code} before printing a line`)))
  })

interface Server {
  readonly baseUrl: string
  readonly listContainer: string
  readonly bigContainer: string
  readonly bigFile: string | undefined
}

const startServer = async (latency: number, files: number, bigFile: number): Promise<Server> => {
  const child = spawnServer([
    "--api-key",
    apiKey,
    "--latency",
    String(latency),
    "--files",
    String(files),
    "--big-file",
    String(bigFile),
  ])
  return JSON.parse(await firstLine(child)) as Server
}

interface TransferResult {
  readonly ms: number
  readonly cpuMs: number
  readonly bytes: number
  readonly baselineRss: number
  readonly peakRss: number
}

const transfer = async (
  script: string,
  contender: string,
  op: "download" | "upload",
  server: Server,
  subject: string,
): Promise<TransferResult> => {
  const child = spawnNode([script, contender, op, server.baseUrl, apiKey, server.bigContainer, subject])
  const line = await firstLine(child)
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)))
  return JSON.parse(line) as TransferResult
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

/** The machine's CPU time so far (Linux `/proc/stat`, in ticks): all of it, and the hypervisor's steal. */
const cpuTimes = (): { readonly total: number; readonly steal: number } | undefined => {
  try {
    const fields = fs
      .readFileSync("/proc/stat", "utf8")
      .split("\n")[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number)
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields
    if (steal === undefined) return undefined
    return { total: user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal, steal }
  } catch {
    return undefined
  }
}

/**
 * What share of the machine's CPU time the hypervisor took for other guests since `before`:
 * time neither contender nor server could run.
 */
const stealNote = (before: ReturnType<typeof cpuTimes>): ReadonlyArray<string> => {
  const after = cpuTimes()
  if (before === undefined || after === undefined || after.total === before.total) return []
  const share = (after.steal - before.steal) / (after.total - before.total)
  return [`CPU time stolen by the hypervisor while this table ran: ${(share * 100).toFixed(1)}%.`]
}

/** A full collection, when the runner was started with `--expose-gc` (`runBundled` does that). */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})

/** The order of the contenders in repetition `rep`: round-robin, starting one further each time. */
const rotate = <A>(items: ReadonlyArray<A>, rep: number): ReadonlyArray<A> =>
  items.map((_, i) => items[(i + rep) % items.length]!)

/**
 * Times `run` for every contender, interleaved, `repetitions` times, after one unrecorded
 * round of `warm` (the same work, or a smaller share of it) when warm-up is on.
 */
const measure = async (
  title: string,
  names: ReadonlyArray<ContenderName>,
  run: (name: ContenderName) => Promise<number>,
  expected: number,
  repetitions: number,
  warm: (name: ContenderName) => Promise<unknown> = run,
): Promise<Table> => {
  const samples = new Map<string, Array<number>>(names.map((n) => [n, []]))
  if (config.warmup) for (const name of names) await warm(name)
  const cpuBefore = cpuTimes()
  for (let rep = 0; rep < repetitions; rep++) {
    for (const name of rotate(names, rep)) {
      // Each run starts from a collected heap, not with the previous contender's garbage.
      collectGarbage()
      const start = performance.now()
      const checksum = await run(name)
      const ms = performance.now() - start
      if (checksum !== expected)
        throw new Error(`${title}: ${name} returned ${checksum}, expected ${expected}`)
      samples.get(name)!.push(ms)
    }
  }
  const rows: Array<Row> = names.map((contender) => ({
    contender,
    summary: summarize(samples.get(contender)!),
    samples: samples.get(contender)!,
  }))
  const notes = stealNote(cpuBefore)
  log(
    `${title}: ${rows.map((r) => `${r.contender} ${r.summary.median.toFixed(0)} ms`).join(", ")}${notes.length > 0 ? ` (${notes.join(" ")})` : ""}`,
  )
  return { title, unit: "ms", kind: "time", rows, notes }
}

const fileBytes = 15 // "benchmark file\n", what server.ts seeds

const listAndRetrieve = async (fast: Server, slow: Server): Promise<ReadonlyArray<Table>> => {
  const target = (server: Server): Target => ({ baseUrl: server.baseUrl, apiKey })
  const make = async (server: Server) =>
    new Map(
      await Promise.all(
        contenderNames.map(async (n) => [n, await makeContender(n, target(server))] as const),
      ),
    )
  const onFast = await make(fast)
  const onSlow = await make(slow)
  const tables: Array<Table> = []
  const expectedList = config.files * fileBytes
  if (enabled("list")) {
    tables.push(
      await measure(
        `List ${config.files} files, page size ${pageSize}, 0 ms latency, no consumer work`,
        contenderNames,
        (n) => onFast.get(n)!.list({ containerId: fast.listContainer, pageSize, workMs: 0 }),
        expectedList,
        listReps,
      ),
      await measure(
        `List ${config.files} files, page size ${pageSize}, ${serverLatencyMs} ms server latency and ${pageWorkMs} ms consumer work per page`,
        contenderNames,
        (n) => onSlow.get(n)!.list({ containerId: slow.listContainer, pageSize, workMs: pageWorkMs }),
        expectedList,
        listReps,
      ),
      // The same walk without the consumer's work: the request chain alone, which no prefetch
      // can shorten; fetch's time here is what the list-with-work target compares to.
      await measure(
        `List ${config.files} files, page size ${pageSize}, ${serverLatencyMs} ms server latency, no consumer work`,
        contenderNames,
        (n) => onSlow.get(n)!.list({ containerId: slow.listContainer, pageSize, workMs: 0 }),
        expectedList,
        listReps,
      ),
      // Not timed: where the CPU of the 0 ms walk goes, for the targets it decides.
      await profileWalks(
        `Client CPU of the 0 ms walk (${config.files} files), by where the code lives`,
        contenderNames,
        (n) => onFast.get(n as ContenderName)!.list({ containerId: fast.listContainer, pageSize, workMs: 0 }),
        config.profiledWalks,
        profileDir,
      ),
    )
  }
  if (enabled("retrieve")) {
    const ids = await firstFileIds(fast, config.retrieves)
    for (const concurrency of [1, config.concurrency]) {
      tables.push(
        await measure(
          `${config.retrieves} retrieve calls, ${concurrency === 1 ? "sequential" : `concurrency ${concurrency}`}, 0 ms latency`,
          contenderNames,
          (n) => onFast.get(n)!.retrieve(fast.listContainer, ids, concurrency),
          ids.length * fileBytes,
          retrieveReps,
          // Warm-up: a tenth of the calls.
          (n) => onFast.get(n)!.retrieve(fast.listContainer, ids.slice(0, ids.length / 10), concurrency),
        ),
      )
    }
  }
  for (const contender of [...onFast.values(), ...onSlow.values()]) await contender.close()
  return tables
}

const firstFileIds = async (server: Server, count: number): Promise<ReadonlyArray<string>> => {
  const ids: Array<string> = []
  let after = ""
  while (ids.length < count) {
    const url = `${server.baseUrl}/containers/${server.listContainer}/files?limit=100&order=asc${after}`
    const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } })
    const page = (await response.json()) as { data: Array<{ id: string }>; has_more: boolean }
    ids.push(...page.data.map((f) => f.id))
    if (!page.has_more) break
    after = `&after=${page.data[page.data.length - 1]!.id}`
  }
  return ids.slice(0, count)
}

const transferNames = ["ours", "ours-2x", "openai", "openai-blob", "fetch"] as const

const transfers = async (server: Server): Promise<ReadonlyArray<Table>> => {
  const size = config.bigFile
  const work = fs.mkdtempSync(nodePath.join(os.tmpdir(), "openai-containers-bench-"))
  const script = await buildTransfer(work)
  const uploadPath = nodePath.join(work, "upload.bin")
  // Written in slices, so this process stays small: a child's spawn copies nothing big.
  const slice = new Uint8Array(Math.min(size, 16 * MiB))
  for (let i = 0; i < slice.length; i += 4096) slice[i] = i & 0xff
  const fd = fs.openSync(uploadPath, "w")
  for (let written = 0; written < size; written += slice.length) {
    fs.writeSync(fd, slice, 0, Math.min(slice.length, size - written))
  }
  fs.closeSync(fd)
  const tables: Array<Table> = []
  try {
    for (const op of ["download", "upload"] as const) {
      // The SDK's two upload sources differ; a download is the same call for both.
      const names = op === "download" ? transferNames.filter((n) => n !== "openai-blob") : transferNames
      const results = new Map<string, Array<TransferResult>>(names.map((n) => [n, []]))
      const cpuBefore = cpuTimes()
      for (let rep = 0; rep < transferReps; rep++) {
        for (const name of rotate(names, rep)) {
          const result = await transfer(
            script,
            name,
            op,
            server,
            op === "download" ? server.bigFile! : uploadPath,
          )
          if (result.bytes !== size) throw new Error(`${op} ${name}: ${result.bytes} bytes, expected ${size}`)
          results.get(name)!.push(result)
        }
      }
      const peak = (name: string) => summarize(results.get(name)!.map((r) => r.peakRss / MiB))
      const base = (name: string) => summarize(results.get(name)!.map((r) => r.baselineRss / MiB))
      const cpu = (name: string) => summarize(results.get(name)!.map((r) => r.cpuMs / 1000))
      const rates = (name: string) => results.get(name)!.map((r) => size / MiB / (r.ms / 1000))
      const rows = names.map((contender) => ({
        contender,
        summary: summarize(rates(contender)),
        samples: rates(contender),
      }))
      const cells = Object.fromEntries(
        names.map((n) => [
          n,
          [
            `${peak(n).median.toFixed(0)} (${peak(n).min.toFixed(0)}–${peak(n).max.toFixed(0)})`,
            base(n).median.toFixed(0),
            cpu(n).median.toFixed(2),
          ],
        ]),
      )
      log(
        `${op}: ${rows.map((r) => `${r.contender} ${r.summary.median.toFixed(0)} MiB/s, ${cells[r.contender]!.join(" / ")}`).join("; ")}`,
      )
      tables.push({
        title: `${op === "download" ? "Download" : "Upload"} ${size / MiB} MiB (throughput; each run in its own process)`,
        unit: "MiB/s",
        kind: "rate",
        rows,
        extra: { headers: ["peak RSS MiB (min–max)", "RSS before, MiB", "client CPU s"], cells },
        notes: stealNote(cpuBefore),
      })
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
  return tables
}

/**
 * Cold start: each run a fresh `node` process that loads the contender's client (bundled, as
 * an application ships it) and retrieves one file, timed from spawn to exit. Node's own start
 * is in every contender's time alike.
 */
const coldStarts = async (server: Server): Promise<Table> => {
  const work = fs.mkdtempSync(nodePath.join(os.tmpdir(), "openai-containers-cold-"))
  const [fileId] = await firstFileIds(server, 1)
  const times = new Map<string, Array<number>>(contenderNames.map((n) => [n, []]))
  const cpuBefore = cpuTimes()
  try {
    const script = await buildCold(work)
    for (let rep = 0; rep < coldReps; rep++) {
      for (const name of rotate(contenderNames, rep)) {
        const start = performance.now()
        const child = spawnNode([script, name, server.baseUrl, apiKey, server.listContainer, fileId!])
        const line = await firstLine(child)
        await new Promise((resolve) =>
          child.exitCode === null ? child.once("exit", resolve) : resolve(null),
        )
        times.get(name)!.push(performance.now() - start)
        if (Number(line) !== fileBytes) throw new Error(`cold ${name}: ${line}, expected ${fileBytes} bytes`)
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
  const rows = contenderNames.map((contender) => ({
    contender,
    summary: summarize(times.get(contender)!),
    samples: times.get(contender)!,
  }))
  log(`cold start: ${rows.map((r) => `${r.contender} ${r.summary.median.toFixed(0)} ms`).join(", ")}`)
  return {
    title: "Cold start: a fresh process loads the client and retrieves one file (spawn to exit)",
    unit: "ms",
    kind: "time",
    rows,
    notes: stealNote(cpuBefore),
  }
}

const bundles = async (): Promise<Table> => {
  const rows: Array<Row> = []
  const cells: Record<string, ReadonlyArray<string>> = {}
  for (const [contender, program] of [
    ["ours", "bundle/ours.ts"],
    ["ours-2x", `${effect4Sources}/bundle.ts`],
    ["openai", "bundle/openai.ts"],
    ["fetch", "bundle/fetch.ts"],
  ] as const) {
    const size = await bundleSize(program)
    rows.push({ contender, summary: summarize([size.gzipped / 1024]) })
    cells[contender] = [(size.minified / 1024).toFixed(1)]
  }
  log(`bundle: ${rows.map((r) => `${r.contender} ${r.summary.median.toFixed(1)} KiB`).join(", ")}`)
  return {
    title: "Browser bundle of a list-and-retrieve program (esbuild, platform browser, minified, gzip -9)",
    unit: "KiB gzipped",
    kind: "size",
    rows,
    extra: { headers: ["minified KiB"], cells },
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/** The version of `name` installed for the package in `from` (a folder relative to this one). */
const versionOf = (name: string, from = "."): string => {
  const require = createRequire(nodePath.join(here, from, "package.json"))
  let dir = nodePath.dirname(require.resolve(name))
  for (;;) {
    const file = nodePath.join(dir, "package.json")
    if (fs.existsSync(file)) {
      const json = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string }
      if (json.name === name) return json.version ?? "?"
    }
    const parent = nodePath.dirname(dir)
    if (parent === dir) return "?"
    dir = parent
  }
}

const machine = (load: ReadonlyArray<number>) => {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU"
  const packages = ["effect", "@effect/platform", "@effect/platform-node", "openai", "esbuild"]
  const packages2x = ["effect", "@effect/platform-node"]
  return [
    `- machine: ${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node.js ${process.version} for the runner, the server and every contender's process; ${packages.map((p) => `${p} ${versionOf(p)}`).join(", ")}; 2.x: ${packages2x.map((p) => `${p} ${versionOf(p, effect4Sources)}`).join(", ")}`,
    `- load average when the run started: ${load.map((l) => l.toFixed(2)).join(", ")}`,
    `- command: \`pnpm ${quick ? "bench:quick" : "bench"}\` (at the repository root; \`${["tsx --conditions=@openai-containers/source bench/run.ts", ...argv].join(" ")}\` in \`scripts/\`, which runs itself and the server as esbuild bundles of plain JavaScript, Effect and \`openai\` loaded from \`node_modules\`)`,
  ].join("\n")
}

/** This library's lines, each checked against every target. */
const lines = [
  ["1.x", "ours"],
  ["2.x", "ours-2x"],
] as const

const targetsOf = (tables: ReadonlyArray<Table>): ReadonlyArray<Goal> => {
  const find = (prefix: string) => tables.find((t) => t.title.startsWith(prefix))
  const goals: Array<Goal> = []
  const each = (
    what: string,
    measured: (ours: string) => number | undefined,
    bound: number,
    direction: Goal["direction"],
  ) => {
    for (const [line, ours] of lines) {
      const value = measured(ours)
      if (value !== undefined) goals.push({ what: `${what} (${line})`, measured: value, bound, direction })
    }
  }
  const ratio = (
    table: Table | undefined,
    what: string,
    ref: string,
    bound: number,
    direction: Goal["direction"],
  ) => {
    if (table !== undefined) each(what, (ours) => median(table, ours) / median(table, ref), bound, direction)
  }
  const lists = tables.filter((t) => t.title.startsWith("List"))
  if (lists[1] !== undefined && lists[2] !== undefined) {
    const [withWork, withoutWork] = [lists[1], lists[2]]
    each(
      "list with latency and work: time ÷ fetch's walk without work",
      (ours) => median(withWork, ours) / median(withoutWork, "fetch"),
      1.05,
      "at most",
    )
  }
  ratio(lists[0], "list at 0 ms: time ÷ fetch", "fetch", 1.15, "at most")
  const retrieves = tables.filter((t) => t.title.includes("retrieve calls"))
  ratio(retrieves[0], "sequential retrieve: time ÷ fetch", "fetch", 1.15, "at most")
  ratio(retrieves[1], "concurrency 32 retrieve: time ÷ openai", "openai", 1, "at most")
  for (const op of ["Download", "Upload"]) {
    const table = find(op)
    ratio(table, `${op.toLowerCase()}: throughput ÷ fetch`, "fetch", 0.9, "at least")
    each(
      `${op.toLowerCase()}: peak RSS MiB`,
      (ours) => {
        const peak = table?.extra?.cells[ours]?.[0]
        return peak === undefined ? undefined : Number.parseFloat(peak)
      },
      op === "Download" ? 110 : 100,
      "at most",
    )
  }
  ratio(find("Cold start"), "cold start: time ÷ openai", "openai", 1.1, "at most")
  return goals
}

const begin = "<!-- bench:begin (written by `pnpm bench`; edit scripts/bench, not this part) -->"
const end = "<!-- bench:end -->"

const writeSection = (markdown: string) => {
  const file = nodePath.join(root, "BENCHMARKS.md")
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n"
  const block = `${begin}\n${markdown}\n${end}`
  const from = current.indexOf(begin)
  const to = current.indexOf(end)
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`
  fs.writeFileSync(file, next)
  log(`wrote ${file}`)
}

const main = async () => {
  const load = os.loadavg()
  log(`${quick ? "quick" : "full"} run; load average ${load.map((l) => l.toFixed(2)).join(", ")}`)
  const started = performance.now()
  const needFast = enabled("list") || enabled("retrieve") || enabled("transfer") || enabled("cold")
  const [fast, slow] = await Promise.all([
    needFast ? startServer(0, config.files, enabled("transfer") ? config.bigFile : 0) : undefined,
    enabled("list") ? startServer(serverLatencyMs, config.files, 0) : undefined,
  ])
  const tables: Array<Table> = []
  if (fast !== undefined && (enabled("list") || enabled("retrieve"))) {
    tables.push(...(await listAndRetrieve(fast, slow ?? fast)))
  }
  if (fast !== undefined && enabled("transfer")) tables.push(...(await transfers(fast)))
  if (fast !== undefined && enabled("cold")) tables.push(await coldStarts(fast))
  if (enabled("bundle")) tables.push(await bundles())
  stopChildren()
  const minutes = (performance.now() - started) / 60_000
  const markdown = [
    machine(load),
    `- repetitions (the median of these, with min and max): list ${listReps}, retrieve ${retrieveReps}, transfers ${transferReps}, cold starts ${coldReps}; ${config.warmup ? "list and retrieve after one unrecorded warm-up round (retrieve: a tenth of the calls)" : "no warm-up"}; the run took ${minutes.toFixed(1)} minutes`,
    "",
    ...tables.flatMap((t) => [markdownTable(t), ""]),
    "**Targets** (ratios of medians)",
    "",
    markdownTargets(targetsOf(tables)),
  ].join("\n")
  process.stdout.write(`${markdown}\n`)
  if (!quick && !argv.includes("--no-write") && only === undefined) writeSection(markdown)
}

/**
 * Started by tsx, the runner builds itself, the server and the in-process 2.x contender as
 * plain JavaScript (`buildRunner` says why) and runs that build with the same flags, on the
 * Node `benchNode` picks; the build sets `BENCH_SOURCES`.
 */
const runBundled = async (): Promise<number> => {
  const outdir = nodePath.join(here, "..", ".tmp", "bench")
  const [{ runner }] = await Promise.all([buildRunner(outdir), buildOurs2x()])
  const child = spawn(benchNode(), ["--expose-gc", runner, ...argv], {
    stdio: "inherit",
    env: { ...process.env, BENCH_SOURCES: here },
  })
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)))
}

;(process.env.BENCH_SOURCES === undefined ? runBundled() : main().then(() => 0)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
