/**
 * The four public 2.x packages (the Effect 4 line, `packages/effect4/*`) as a user gets them,
 * as `pack-check.ts` does for 1.x. Builds them, packs each with `pnpm pack`, installs the
 * tarballs with npm into a fresh app outside the workspace (in the OS temp folder) beside the
 * peers they declare (`effect` and `@effect/platform-node` 4.1, as the workspace has them) from
 * the registry, and checks what was installed: the files (built JavaScript, `.d.ts`, source maps
 * carrying their sources, LICENSE, README, CHANGELOG, MIGRATION-NOTES; no TypeScript source),
 * the manifests (no `workspace:` range, no `publishConfig`, every `exports` target present, the
 * registry fields, Node >= 22.19) and that core and browser import nothing Node-only. Then it
 * type-checks two small programs against the packed types (strict, `exactOptionalPropertyTypes`,
 * `skipLibCheck: false`, NodeNext) and runs them on Node 24: `pack-check-effect4/node-app.mts`
 * against the in-process fake, the packed `FakeContainersServer` and the packed
 * `fake-containers-api` command over HTTP, `pack-check-effect4/browser-app.mts` (DOM types, no
 * Node types) against the command too. Any failure ends it with a non-zero exit code.
 *
 * It must itself run on Node >= 22.19 (effect 4): the scripts package runs it with
 * `npx -y node@24`, so every `node` it starts, npm's included, is that one.
 *
 *   pnpm --filter @openai-containers/scripts run pack-check:effect4     (... -- --keep keeps the temp folder)
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const here = nodePath.dirname(fileURLToPath(import.meta.url))
const root = nodePath.join(here, "..")
const line = nodePath.join(root, "packages", "effect4")
const names = ["core", "node", "browser", "testing"] as const
const scope = "@openai-containers"
const keep = process.argv.includes("--keep")
const source = "@openai-containers/source"
/** The Node line the packages declare (`engines`), and so the one the programs run on. */
const engines = ">=22.19"

class CheckError extends Error {}

const fail = (message: string): never => {
  throw new CheckError(message)
}

const started = performance.now()
const step = async <A>(title: string, run: () => Promise<A>): Promise<A> => {
  const t0 = performance.now()
  const result = await run()
  console.log(`pack check (2.x): ${title} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  return result
}

/** Runs a command to completion; a non-zero exit fails the check with its output. */
const run = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<string> => {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string }
    return fail(`\`${[command, ...args].join(" ")}\` in ${cwd} failed:\n${stdout}${stderr}`)
  }
}

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path, "utf8")) as Record<string, unknown>

/** The version of `name` the 2.x packages were installed with, so the app tests what CI tests. */
const workspaceVersion = (name: string): string => {
  const manifest = nodePath.join(line, "node", "node_modules", name, "package.json")
  if (!fs.existsSync(manifest)) return fail(`${name} is not installed in packages/effect4/node`)
  return (readJson(manifest) as { version: string }).version
}

const filesUnder = (dir: string): Array<string> =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => nodePath.relative(dir, nodePath.join(entry.parentPath, entry.name)).replaceAll("\\", "/"))

/** Every string target of an `exports` map, with the conditions that lead to it. */
const exportTargets = (value: unknown, conditions: Array<string> = []): Array<[Array<string>, string]> =>
  typeof value === "string"
    ? [[conditions, value]]
    : typeof value === "object" && value !== null
      ? Object.entries(value).flatMap(([key, inner]) => exportTargets(inner, [...conditions, key]))
      : []

/**
 * Whether a published range between the 2.x packages asks for this release at least: pnpm
 * publishes `workspace:^2` as `^2` (first release) and, once changesets has bumped it,
 * `workspace:^2.0.1` as `^2.0.1`.
 */
const admitsFrom = (range: string, version: string): boolean => {
  if (!range.startsWith("^")) return false
  const parts = range.slice(1).split(".")
  while (parts.length < 3) parts.push("0")
  return parts.join(".") === version
}

const nodeOnlyImport =
  /(?:from\s*|import\s*\(\s*|import\s+)["'](node:[^"']+|@effect\/platform-node[^"']*)["']/

/** What a user installed: the files and the manifest of each package. */
const inspect = (app: string, version: string) => {
  for (const name of names) {
    const dir = nodePath.join(app, "node_modules", scope, name)
    const where = `${scope}/${name}`
    // A copy nested under another package would mean npm fetched it from somewhere else.
    if (fs.existsSync(nodePath.join(dir, "node_modules", scope)))
      fail(`${where} got its own copy of a sibling package`)
    const files = filesUnder(dir)
    for (const required of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "MIGRATION-NOTES.md",
      "dist/index.js",
      "dist/index.d.ts",
      ...(name === "testing" ? ["bin/fake-containers-api.mjs", "dist/bin.js"] : []),
    ])
      if (!files.includes(required)) fail(`${where}: the tarball has no ${required}`)
    const typescript = files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))
    if (typescript.length > 0) fail(`${where} ships TypeScript sources: ${typescript.join(", ")}`)
    for (const map of files.filter((f) => f.endsWith(".js.map"))) {
      const { sources, sourcesContent } = readJson(nodePath.join(dir, map)) as {
        sources: Array<string>
        sourcesContent?: Array<string | null>
      }
      if (sourcesContent?.length !== sources.length || sourcesContent.some((s) => typeof s !== "string"))
        fail(`${where}/${map} does not carry its sources (they are not in the tarball)`)
    }
    if (name === "core" || name === "browser")
      for (const js of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
        const found = nodeOnlyImport.exec(fs.readFileSync(nodePath.join(dir, js), "utf8"))
        if (found !== null) fail(`${where}/${js} imports ${found[1]}: core and browser must run in a browser`)
      }
    const license = fs.readFileSync(nodePath.join(dir, "LICENSE"), "utf8")
    if (!license.startsWith("MIT License") || !license.includes("openai-containers-effect contributors"))
      fail(`${where}: LICENSE is not the project's MIT license`)
    const manifest = readJson(nodePath.join(dir, "package.json"))
    if (JSON.stringify(manifest).includes("workspace:"))
      fail(`${where}: package.json still has a workspace: range`)
    if (manifest.version !== version)
      fail(`${where}: version ${String(manifest.version)}, expected ${version}`)
    if ("publishConfig" in manifest)
      fail(`${where}: package.json has a publishConfig (nothing may rely on it)`)
    for (const field of ["repository", "homepage", "bugs", "keywords", "engines", "license"])
      if (!(field in manifest)) fail(`${where}: package.json has no ${field}`)
    const { directory } = manifest.repository as { directory?: string }
    if (directory !== `packages/effect4/${name}`)
      fail(`${where}: repository.directory is ${directory}, expected packages/effect4/${name}`)
    const { node } = manifest.engines as { node?: string }
    if (node !== engines) fail(`${where}: engines.node is ${node}, expected ${engines}`)
    const targets = exportTargets(manifest.exports)
    if (!targets.some(([conditions]) => conditions.includes(source)))
      fail(`${where}: exports have no ${source} condition (the workspace reads the sources through it)`)
    for (const [conditions, target] of targets) {
      if (conditions.includes(source)) continue
      if (!fs.existsSync(nodePath.join(dir, target)))
        fail(`${where}: exports (${conditions.join(" > ")}) name ${target}, which is not in the tarball`)
    }
    for (const [dependency, range] of Object.entries((manifest.dependencies ?? {}) as Record<string, string>))
      if (dependency.startsWith(`${scope}/`) && !admitsFrom(range, version))
        fail(`${where} depends on ${dependency}@${range}, expected a caret range from ${version}`)
  }
}

/** The installed command's script, as npm linked it into `node_modules/.bin`. */
const commandScript = (app: string): string => {
  const dir = nodePath.join(app, "node_modules", scope, "testing")
  const { bin } = readJson(nodePath.join(dir, "package.json")) as { bin?: Record<string, string> }
  const script = bin?.["fake-containers-api"]
  if (script === undefined) return fail(`${scope}/testing has no fake-containers-api bin`)
  const file = nodePath.join(dir, script)
  const link = nodePath.join(app, "node_modules", ".bin", "fake-containers-api")
  if (!fs.existsSync(link) || fs.realpathSync(link) !== fs.realpathSync(file))
    fail(`npm did not link node_modules/.bin/fake-containers-api to ${script}`)
  return file
}

/**
 * Starts the packed command on this Node (the `.bin` link's `#!/usr/bin/env node` would pick
 * whatever `node` is first on the PATH), returns its base URL (its first stdout line).
 */
const startCommand = async (script: string, cwd: string): Promise<{ child: ChildProcess; url: string }> => {
  const child = spawn(process.execPath, [script, "--port", "0", "--api-key", "sk-pack-check"], {
    cwd,
    stdio: ["ignore", "pipe", "inherit"],
  })
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve)
    child.once("error", reject)
    child.once("exit", (code) =>
      reject(new CheckError(`fake-containers-api exited with ${code} before its URL`)),
    )
  })
  if (!/^http:\/\/127\.0\.0\.1:\d+\/v1$/.test(url)) fail(`fake-containers-api printed ${url}, not a base URL`)
  return { child, url }
}

const stopCommand = async (child: ChildProcess): Promise<void> => {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  child.kill("SIGTERM")
  const code = await exited
  if (code !== 0) fail(`fake-containers-api exited with ${code} on SIGTERM`)
}

const tsconfig = (include: string, compilerOptions: Record<string, unknown>) => ({
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmitOnError: true,
    outDir: "out",
    ...compilerOptions,
  },
  include: [include],
})

const main = async () => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
  if (major < 22 || (major === 22 && minor < 19))
    fail(
      `this is Node ${process.versions.node}; effect 4 needs >= 22.19: run it with \`pnpm --filter @openai-containers/scripts run pack-check:effect4\` (Node 24 through npx)`,
    )
  const version = (readJson(nodePath.join(line, "core", "package.json")) as { version: string }).version
  const temp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "openai-containers-pack-check-effect4-"))
  let server: ChildProcess | undefined
  try {
    await step("built the four 2.x packages", () =>
      run("pnpm", ["--filter", "./packages/effect4/{core,node,browser,testing}", "run", "build"], root),
    )

    const tarballs = nodePath.join(temp, "tarballs")
    fs.mkdirSync(tarballs)
    await step("packed them with pnpm pack", () =>
      Promise.all(
        names.map((name) => run("pnpm", ["pack", "--pack-destination", tarballs], nodePath.join(line, name))),
      ),
    )
    const tarball = (name: string) => {
      const file = nodePath.join(tarballs, `openai-containers-${name}-${version}.tgz`)
      return fs.existsSync(file) ? `file:${file}` : fail(`pnpm pack made no ${file}`)
    }

    const app = nodePath.join(temp, "app")
    fs.mkdirSync(app)
    const peers = ["effect", "@effect/platform-node"]
    const tools = ["typescript", "@types/node"]
    const manifest = {
      name: "pack-check-effect4-app",
      version: "0.0.0",
      private: true,
      type: "module",
      dependencies: {
        ...Object.fromEntries(names.map((name) => [`${scope}/${name}`, tarball(name)])),
        ...Object.fromEntries(peers.map((name) => [name, workspaceVersion(name)])),
      },
      devDependencies: Object.fromEntries(tools.map((name) => [name, workspaceVersion(name)])),
    }
    fs.writeFileSync(nodePath.join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
    const installed = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })
      .filter(([name]) => !name.startsWith(scope))
      .map(([name, version]) => `${name}@${version}`)
      .join(", ")
    await step(`installed the tarballs with npm, beside ${installed}`, () =>
      run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], app),
    )
    inspect(app, version)
    console.log(
      "pack check (2.x): the installed packages hold built JavaScript, types, LICENSE, CHANGELOG and MIGRATION-NOTES only",
    )
    const script = commandScript(app)

    fs.copyFileSync(nodePath.join(here, "pack-check-effect4", "node-app.mts"), nodePath.join(app, "app.mts"))
    fs.copyFileSync(
      nodePath.join(here, "pack-check-effect4", "browser-app.mts"),
      nodePath.join(app, "browser-app.mts"),
    )
    const write = (file: string, json: unknown) =>
      fs.writeFileSync(nodePath.join(app, file), `${JSON.stringify(json, null, 2)}\n`)
    write("tsconfig.json", tsconfig("app.mts", { lib: ["ES2022", "DOM", "DOM.Iterable"], types: ["node"] }))
    write(
      "tsconfig.browser.json",
      tsconfig("browser-app.mts", { lib: ["ES2022", "DOM", "DOM.Iterable"], types: [] }),
    )
    const tsc = nodePath.join(app, "node_modules", "typescript", "bin", "tsc")
    await step("type-checked and compiled both programs against the packed types (skipLibCheck off)", () =>
      Promise.all([
        run(process.execPath, [tsc, "-p", "tsconfig.json"], app),
        run(process.execPath, [tsc, "-p", "tsconfig.browser.json"], app),
      ]),
    )

    const out = (file: string) => nodePath.join(app, "out", file)
    await step(
      `ran the Node program on Node ${process.versions.node}, in-process and on FakeContainersServer`,
      async () => {
        const [inProcess, overHttp] = await Promise.all([
          run(process.execPath, [out("app.mjs")], app),
          run(process.execPath, [out("app.mjs"), "--server"], app),
        ])
        process.stdout.write(inProcess + overHttp)
      },
    )
    const command = await step("started the packed fake-containers-api command", () =>
      startCommand(script, app),
    )
    server = command.child
    await step("ran the Node and browser programs against it over HTTP", async () => {
      const [node, browser] = await Promise.all([
        run(process.execPath, [out("app.mjs"), command.url], app),
        run(process.execPath, [out("browser-app.mjs"), command.url], app),
      ])
      process.stdout.write(node + browser)
    })
    await step("stopped the command with SIGTERM", () => stopCommand(command.child))
    server = undefined
    console.log(`pack check (2.x): passed in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    server?.kill("SIGKILL")
    if (keep) console.log(`pack check (2.x): kept ${temp}`)
    else fs.rmSync(temp, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error instanceof CheckError ? `pack check (2.x) FAILED: ${error.message}` : error)
  process.exit(1)
})
