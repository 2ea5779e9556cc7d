/**
 * Type-checks the code in the READMEs: every ```ts (or ```typescript) block of README.md,
 * packages/{*}/README.md, packages/effect4/{*}/README.md and examples/{**}/README.md.
 *
 * Each block is written as a file of its own (an ES module: its names do not leak into the
 * others) into `.tmp/readme-check/<line>/`, beside a `node_modules` of links to what the line's
 * packages use: for blocks of a 1.x README (Effect 3), `@openai-containers/*` are packages/*;
 * for those of a 2.x README (under packages/effect4/ or examples/effect4/, Effect 4) they are
 * packages/effect4/*, and `effect`, `@effect/*`, `vitest`, `@types/node` are the versions those
 * packages have. The packages are read from their TypeScript sources, through the
 * `@openai-containers/source` condition, as everywhere in the workspace. Then the blocks of
 * each line are checked by one TypeScript program, with the workspace's tsconfig.base.json
 * (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax, NodeNext,
 * the source condition) and the Node and DOM types, but without noUnusedLocals and
 * noUnusedParameters: a block may show how to get at a value and stop there. The two lines run side by side, in a process each.
 *
 * Each error is printed with the README, the line in it, and the block it is in; any error
 * ends it with exit code 1. The block files stay in `.tmp/readme-check/<line>/` (replaced on
 * each run): `tsc -p .tmp/readme-check/effect3` checks them again.
 *
 * Markers, an HTML comment (not shown on GitHub or npm) on the line just above the fence:
 *
 *   <!-- readme-check: skip -->       the block is not checked. For a block that cannot stand
 *                                     on its own (a fragment of a program, pseudo-code); use it
 *                                     sparingly, as what is skipped can rot.
 *   <!-- readme-check: continue -->   the block is checked appended to the block before it in
 *                                     the same README (and to what that one continued), for a
 *                                     block that goes on with the names the previous one
 *                                     defined or imported.
 *
 *   pnpm readme-check                                       (at the repository root)
 *   pnpm --filter @openai-containers/scripts run readme-check -- --line effect4   (one line)
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const here = nodePath.dirname(fileURLToPath(import.meta.url))
const root = nodePath.join(here, "..")
const outRoot = nodePath.join(root, ".tmp", "readme-check")
const names = ["core", "node", "browser", "testing"] as const
const scope = "@openai-containers"

const lines = {
  effect3: { dir: "packages", fallback: [root] },
  effect4: { dir: "packages/effect4", fallback: [] as Array<string> },
} as const
type Line = keyof typeof lines
const isLine = (s: string | undefined): s is Line => s !== undefined && Object.hasOwn(lines, s)

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`
const relative = (file: string) => nodePath.relative(root, file).split(nodePath.sep).join("/")

/** The READMEs, as paths relative to the root. */
const readmes = (): Array<string> => {
  const found: Array<string> = []
  const add = (rel: string) => {
    if (fs.existsSync(nodePath.join(root, rel))) found.push(rel)
  }
  add("README.md")
  for (const dir of ["packages", "packages/effect4"]) {
    for (const entry of fs.readdirSync(nodePath.join(root, dir), { withFileTypes: true })) {
      // As a shell's `*`: not `.changeset` and the like.
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") {
        add(`${dir}/${entry.name}/README.md`)
      }
    }
  }
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(nodePath.join(root, dir), { withFileTypes: true })) {
      if (
        entry.isDirectory() &&
        !entry.name.startsWith(".") &&
        !["node_modules", "dist"].includes(entry.name)
      )
        walk(`${dir}/${entry.name}`)
      else if (entry.isFile() && entry.name === "README.md") found.push(`${dir}/${entry.name}`)
    }
  }
  if (fs.existsSync(nodePath.join(root, "examples"))) walk("examples")
  return found
}

const lineOf = (readme: string): Line =>
  readme.startsWith("packages/effect4/") || readme.startsWith("examples/effect4/") ? "effect4" : "effect3"

interface Block {
  readonly readme: string
  /** The line of the opening fence in the README (1-based). */
  readonly fence: number
  readonly code: string
  readonly marker: "skip" | "continue" | undefined
}

const markerPattern = /^\s*<!--\s*readme-check:\s*(\S+)\s*-->\s*$/

/** The ```ts blocks of a README, with the marker above each, if any. */
const blocksOf = (readme: string): Array<Block> => {
  const text = fs.readFileSync(nodePath.join(root, readme), "utf8").split(/\r?\n/)
  const blocks: Array<Block> = []
  for (let i = 0; i < text.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(text[i] ?? "")
    if (!open) continue
    const [, indent = "", fence = "", lang = ""] = open
    let end = i + 1
    const closing = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`)
    while (end < text.length && !closing.test(text[end] ?? "")) end++
    if (["ts", "typescript"].includes(lang.toLowerCase())) {
      const above = text[i - 1] ?? ""
      const marker = markerPattern.exec(above)?.[1]
      if (marker !== undefined && marker !== "skip" && marker !== "continue") {
        throw new Error(`${readme}:${i}: unknown marker "readme-check: ${marker}" (skip or continue)`)
      }
      const code = text
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
        .join("\n")
      blocks.push({ readme, fence: i + 1, code: `${code}\n`, marker })
    }
    i = end
  }
  return blocks
}

/** One file to check: the code of a block, after the blocks it continues. */
interface Unit {
  readonly file: string
  readonly block: Block
  /** Each part's first line in the file (0-based) and the README line it comes from. */
  readonly parts: ReadonlyArray<{ readonly start: number; readonly lines: number; readonly fence: number }>
}

const slug = (readme: string) => readme.replace(/\/?README\.md$/, "").replace(/[^A-Za-z0-9]+/g, "_") || "root"

/** Links the line's dependencies into `<dir>/node_modules`, as the line's packages see them. */
const linkDependencies = (line: Line, dir: string, specifiers: ReadonlySet<string>): Array<string> => {
  const base = nodePath.join(root, lines[line].dir)
  const from = [...names.map((name) => nodePath.join(base, name)), ...lines[line].fallback]
  const packages = new Set(["@types/node"])
  for (const specifier of specifiers) {
    if (specifier.startsWith(".") || specifier.startsWith("node:") || nodePath.isAbsolute(specifier)) continue
    const parts = specifier.split("/")
    packages.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier))
  }
  const missing: Array<string> = []
  for (const name of packages) {
    const own = names.find((n) => name === `${scope}/${n}`)
    const target = own
      ? nodePath.join(base, own)
      : from
          .map((dir) => nodePath.join(dir, "node_modules", name))
          .find((candidate) => fs.existsSync(candidate))
    if (target === undefined) {
      missing.push(name)
      continue
    }
    const link = nodePath.join(dir, "node_modules", name)
    fs.mkdirSync(nodePath.dirname(link), { recursive: true })
    fs.symlinkSync(fs.realpathSync(target), link, "junction")
  }
  return missing
}

const specifiersOf = (code: string): Array<string> => {
  const file = ts.createSourceFile("block.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const found: Array<string> = []
  for (const statement of file.statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      found.push(statement.moduleSpecifier.text)
    }
  }
  return found
}

const checkLine = (line: Line): number => {
  const started = performance.now()
  const dir = nodePath.join(outRoot, line)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })

  const units: Array<Unit> = []
  let skipped = 0
  let readmeCount = 0
  for (const readme of readmes().filter((r) => lineOf(r) === line)) {
    readmeCount++
    let chain: Array<Block> = []
    blocksOf(readme).forEach((block, index) => {
      if (block.marker === "skip") {
        skipped++
        return
      }
      if (block.marker === "continue" && chain.length === 0) {
        throw new Error(
          `${readme}:${block.fence - 1}: "readme-check: continue" with no block before it to continue`,
        )
      }
      chain = block.marker === "continue" ? [...chain, block] : [block]
      const parts: Array<Unit["parts"][number]> = []
      let start = 0
      for (const b of chain) {
        const count = b.code.split("\n").length - 1
        parts.push({ start, lines: count, fence: b.fence })
        start += count
      }
      const file = nodePath.join(
        dir,
        `${slug(readme)}.${String(index + 1).padStart(2, "0")}.L${block.fence}.ts`,
      )
      fs.writeFileSync(file, chain.map((b) => b.code).join(""))
      units.push({ file, block, parts })
    })
  }

  const specifiers = new Set(units.flatMap((unit) => specifiersOf(fs.readFileSync(unit.file, "utf8"))))
  const missing = linkDependencies(line, dir, specifiers)
  fs.writeFileSync(nodePath.join(dir, "package.json"), '{ "private": true, "type": "module" }\n')
  const tsconfig = {
    extends: nodePath.relative(dir, nodePath.join(root, "tsconfig.base.json")).split(nodePath.sep).join("/"),
    compilerOptions: {
      noEmit: true,
      declaration: false,
      sourceMap: false,
      moduleDetection: "force",
      noUnusedLocals: false,
      noUnusedParameters: false,
      types: ["node"],
    },
    include: ["*.ts"],
  }
  fs.writeFileSync(nodePath.join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`)

  const config = ts.getParsedCommandLineOfConfigFile(nodePath.join(dir, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    },
  })
  if (config === undefined) throw new Error(`cannot read ${relative(dir)}/tsconfig.json`)
  const program = ts.createProgram({ rootNames: units.map((u) => u.file), options: config.options })

  const errors: Array<string> = []
  for (const d of [...config.errors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    errors.push(`${relative(dir)}/tsconfig.json: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)
  }
  const failedBlocks = new Set<Unit>()
  // An error in a block that others continue would be found again in each: reported once.
  const seen = new Set<string>()
  for (const unit of units) {
    const sourceFile = program.getSourceFile(unit.file)
    if (sourceFile === undefined) throw new Error(`${unit.file} is not in the program`)
    const diagnostics = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ]
    const source = fs.readFileSync(unit.file, "utf8").split("\n")
    for (const d of diagnostics) {
      const { line: at, character } = sourceFile.getLineAndCharacterOfPosition(d.start ?? 0)
      const part = unit.parts.find((p) => at >= p.start && at < p.start + p.lines) ?? unit.parts.at(-1)
      const readmeLine = part === undefined ? unit.block.fence : part.fence + 1 + (at - part.start)
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n    ")
      const key = `${unit.block.readme}:${readmeLine}:${character} ${d.code} ${message}`
      if (seen.has(key)) continue
      seen.add(key)
      const context =
        part?.fence === unit.block.fence
          ? `block at line ${unit.block.fence}`
          : `block at line ${part?.fence}, continued by the block at line ${unit.block.fence}`
      errors.push(
        `${unit.block.readme}:${readmeLine}:${character + 1} (${context}): error TS${d.code}: ${message}\n` +
          `    | ${source[at] ?? ""}`,
      )
      failedBlocks.add(unit)
    }
  }

  for (const name of missing) {
    errors.push(`${name}: imported by a README block, but none of the ${line} packages has it installed`)
  }
  for (const error of errors) console.error(`[${line}] ${error}`)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const summary =
    `[${line}] ${plural(units.length, "block")} of ${plural(readmeCount, "README")} checked` +
    (skipped > 0 ? `, ${skipped} skipped` : "") +
    (errors.length > 0
      ? `: ${plural(errors.length, "error")} in ${plural(failedBlocks.size, "block")}`
      : ": no errors") +
    (errors.length > 0 ? `; the block files are in ${relative(dir)}` : "") +
    ` (${seconds} s)`
  ;(errors.length > 0 ? console.error : console.log)(summary)
  return errors.length > 0 ? 1 : 0
}

const main = async (): Promise<number> => {
  const args = process.argv.slice(2)
  const at = args.indexOf("--line")
  if (at !== -1) {
    const line = args[at + 1]
    if (!isLine(line)) throw new Error(`--line takes one of: ${Object.keys(lines).join(", ")}`)
    return checkLine(line)
  }
  // One process per line, side by side: each loads its own TypeScript program.
  const codes = await Promise.all(
    (Object.keys(lines) as Array<Line>).map(
      (line) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [...process.execArgv, fileURLToPath(import.meta.url), "--line", line],
            { stdio: "inherit" },
          )
          child.on("error", reject)
          child.on("exit", (code) => resolve(code ?? 1))
        }),
    ),
  )
  return codes.some((code) => code !== 0) ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  },
)
