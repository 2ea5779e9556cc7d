/**
 * Summaries and the Markdown the runner prints and writes to `BENCHMARKS.md`.
 */

/** Median, min and max of one figure over the repetitions. */
export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
}

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  if (samples.length === 0) throw new Error("no samples")
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length }
}

/** One row: a contender's figure in a scenario. */
export interface Row {
  readonly contender: string
  readonly summary: Summary
  /** The figures in the order measured; repetition i of every contender ran back to back. */
  readonly samples?: ReadonlyArray<number> | undefined
}

/** A table of rows measuring one thing, with the unit and which direction is better. */
export interface Table {
  readonly title: string
  readonly unit: string
  /** `time`: lower is better, ratios are contender/reference; `rate`: higher is better. */
  readonly kind: "time" | "rate" | "size"
  readonly rows: ReadonlyArray<Row>
  /** Sentences printed under the table. */
  readonly notes?: ReadonlyArray<string> | undefined
  /** Extra columns per contender, e.g. peak RSS. */
  readonly extra?:
    | {
        readonly headers: ReadonlyArray<string>
        readonly cells: Readonly<Record<string, ReadonlyArray<string>>>
      }
    | undefined
}

const digits = (value: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)

const ratio = (table: Table, row: Row, reference: string): string => {
  const ref = table.rows.find((r) => r.contender === reference)
  if (ref === undefined || row.contender === reference) return "1.00×"
  return `${(row.summary.median / ref.summary.median).toFixed(2)}×`
}

export const markdownTable = (table: Table): string => {
  const extra = table.extra
  const head = [
    "contender",
    `median (${table.unit})`,
    "min",
    "max",
    "runs",
    "÷ fetch",
    "÷ openai",
    ...(extra?.headers ?? []),
  ]
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`]
  for (const row of table.rows) {
    const s = row.summary
    const cells = [
      row.contender,
      digits(s.median),
      digits(s.min),
      digits(s.max),
      String(s.runs),
      ratio(table, row, "fetch"),
      ratio(table, row, "openai"),
      ...(extra?.cells[row.contender] ?? []),
    ]
    lines.push(`| ${cells.join(" | ")} |`)
  }
  const notes = (table.notes ?? []).map((note) => `\n\n${note}`).join("")
  return `**${table.title}**\n\n${lines.join("\n")}${pairedLine(table)}${notes}`
}

/**
 * Ours ÷ fetch within each repetition, for each line. Contenders of one repetition ran back to
 * back, so a slow spell of the machine that spans a repetition cancels out of its ratio; the
 * spread of these shows how much of a median's ratio is noise.
 */
const pairedLine = (table: Table): string => {
  const samples = (name: string) => table.rows.find((r) => r.contender === name)?.samples
  const fetch = samples("fetch")
  return (["ours", "ours-2x"] as const)
    .map((name) => {
      const ours = samples(name)
      if (ours === undefined || fetch === undefined || ours.length < 2 || ours.length !== fetch.length)
        return ""
      const ratios = ours.map((value, i) => (value / fetch[i]!).toFixed(2))
      return `\n\n${name === "ours" ? "Ours" : "Ours-2x"} ÷ fetch repetition by repetition: ${ratios.join(", ")}.`
    })
    .join("")
}

/** A target: the measured ratio, the bound, and whether it holds. */
export interface Target {
  readonly what: string
  readonly measured: number
  readonly bound: number
  readonly direction: "at most" | "at least"
}

export const markdownTargets = (targets: ReadonlyArray<Target>): string => {
  const lines = ["| target | measured | bound | met |", "|---|---:|---:|:---:|"]
  for (const t of targets) {
    const met = t.direction === "at most" ? t.measured <= t.bound : t.measured >= t.bound
    lines.push(
      `| ${t.what} | ${t.measured.toFixed(2)} | ${t.direction} ${t.bound} | ${met ? "yes" : "**no**"} |`,
    )
  }
  return lines.join("\n")
}

export const median = (table: Table, contender: string): number => {
  const row = table.rows.find((r) => r.contender === contender)
  if (row === undefined) throw new Error(`no ${contender} in ${table.title}`)
  return row.summary.median
}
