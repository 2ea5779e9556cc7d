/**
 * The four public packages as a user gets them. Builds them, packs each with `pnpm pack`,
 * installs the tarballs with npm into a fresh app outside the workspace (in the OS temp folder)
 * beside the peers they declare, from the registry, and checks what was installed: the files
 * (built JavaScript, `.d.ts`, source maps carrying their sources, LICENSE, README, CHANGELOG; no
 * TypeScript source), the manifests (no `workspace:` range, every `exports` target present).
 * Then it type-checks two small programs against the packed types (strict,
 * `exactOptionalPropertyTypes`, `skipLibCheck: false`, NodeNext) and runs them with plain
 * `node`: `pack-check/node-app.ts` against the in-process fake and against the packed
 * `fake-containers-api` command over HTTP, `pack-check/browser-app.ts` (DOM types, no Node
 * types) against the command too. Any failure ends it with a non-zero exit code.
 *
 *   pnpm pack-check            (at the repository root; `pnpm run check` ends with it)
 *   ... -- --keep              keep the temp folder and print where it is
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
const names = ["core", "node", "browser", "testing"] as const
const scope = "@openai-containers"
const keep = process.argv.includes("--keep")
const source = "@openai-containers/source"

class CheckError extends Error {}

const fail = (message: string): never => {
  throw new CheckError(message)
}

const started = performance.now()
const step = async <A>(title: string, run: () => Promise<A>): Promise<A> => {
  const t0 = performance.now()
  const result = await run()
  console.log(`pack check: ${title} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
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

/** The version of `name` this workspace installed, so the app tests what CI tests. */
const workspaceVersion = (name: string): string => {
  for (const dir of [here, root]) {
    const manifest = nodePath.join(dir, "node_modules", name, "package.json")
    if (fs.existsSync(manifest))
      return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version
  }
  return fail(`${name} is not installed in the workspace`)
}

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path, "utf8")) as Record<string, unknown>

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

/** What a user installed: the files and the manifest of each package. */
const inspect = (app: string, version: string) => {
  for (const name of names) {
    const dir = nodePath.join(app, "node_modules", scope, name)
    const where = `${scope}/${name}`
    // A copy nested under another package would mean npm fetched it from somewhere else.
    if (fs.existsSync(nodePath.join(app, "node_modules", scope, name, "node_modules", scope)))
      fail(`${where} got its own copy of a sibling package`)
    const files = filesUnder(dir)
    for (const required of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "dist/index.js",
      "dist/index.d.ts",
    ])
      if (!files.includes(required)) fail(`${where}: the tarball has no ${required}`)
    const typescript = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    if (typescript.length > 0) fail(`${where} ships TypeScript sources: ${typescript.join(", ")}`)
    for (const map of files.filter((f) => f.endsWith(".js.map"))) {
      const { sources, sourcesContent } = readJson(nodePath.join(dir, map)) as {
        sources: Array<string>
        sourcesContent?: Array<string | null>
      }
      if (sourcesContent?.length !== sources.length || sourcesContent.some((s) => typeof s !== "string"))
        fail(`${where}/${map} does not carry its sources (they are not in the tarball)`)
    }
    const license = fs.readFileSync(nodePath.join(dir, "LICENSE"), "utf8")
    if (!license.startsWith("MIT License") || !license.includes("openai-containers-effect contributors"))
      fail(`${where}: LICENSE is not the project's MIT license`)
    const manifest = readJson(nodePath.join(dir, "package.json"))
    const text = JSON.stringify(manifest)
    if (text.includes("workspace:")) fail(`${where}: package.json still has a workspace: range`)
    if (manifest.version !== version)
      fail(`${where}: version ${String(manifest.version)}, expected ${version}`)
    if ("publishConfig" in manifest && JSON.stringify(manifest.publishConfig).includes("exports"))
      fail(`${where}: exports rely on publishConfig`)
    for (const field of ["repository", "homepage", "bugs", "keywords", "engines", "license"])
      if (!(field in manifest)) fail(`${where}: package.json has no ${field}`)
    for (const [conditions, target] of exportTargets(manifest.exports)) {
      if (conditions.includes(source)) continue
      if (!fs.existsSync(nodePath.join(dir, target)))
        fail(`${where}: exports (${conditions.join(" > ")}) name ${target}, which is not in the tarball`)
    }
    const dependencies = (manifest.dependencies ?? {}) as Record<string, string>
    for (const [dependency, range] of Object.entries(dependencies))
      if (dependency.startsWith(`${scope}/`) && range !== version)
        fail(`${where} depends on ${dependency}@${range}, expected the released ${version}`)
  }
}

/** Starts the packed command, returns its base URL (its first stdout line). */
const startCommand = async (app: string): Promise<{ child: ChildProcess; url: string }> => {
  const bin = nodePath.join(app, "node_modules", ".bin", "fake-containers-api")
  const child = spawn(bin, ["--port", "0", "--api-key", "sk-pack-check"], {
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
  const version = (readJson(nodePath.join(root, "packages", "core", "package.json")) as { version: string })
    .version
  const temp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "openai-containers-pack-check-"))
  let server: ChildProcess | undefined
  try {
    await step("built the four packages", () => run("pnpm", ["run", "build:packages"], root))

    const tarballs = nodePath.join(temp, "tarballs")
    fs.mkdirSync(tarballs)
    await step("packed them with pnpm pack", () =>
      Promise.all(
        names.map((name) =>
          run("pnpm", ["pack", "--pack-destination", tarballs], nodePath.join(root, "packages", name)),
        ),
      ),
    )
    const tarball = (name: string) => {
      const file = nodePath.join(tarballs, `openai-containers-${name}-${version}.tgz`)
      return fs.existsSync(file) ? `file:${file}` : fail(`pnpm pack made no ${file}`)
    }

    const app = nodePath.join(temp, "app")
    fs.mkdirSync(app)
    const peers = ["effect", "@effect/platform", "@effect/platform-node"]
    const tools = ["typescript", "@types/node"]
    // With skipLibCheck off, Effect's own declarations need @types/ws (`@effect/platform-node`'s
    // socket server) and the DOM library (`Storage`, `Transferable`), whatever our packages need.
    const typesWs = "8.18.2"
    const manifest = {
      name: "pack-check-app",
      version: "0.0.0",
      private: true,
      type: "module",
      dependencies: {
        ...Object.fromEntries(names.map((name) => [`${scope}/${name}`, tarball(name)])),
        ...Object.fromEntries(peers.map((name) => [name, workspaceVersion(name)])),
      },
      devDependencies: {
        ...Object.fromEntries(tools.map((name) => [name, workspaceVersion(name)])),
        "@types/ws": typesWs,
      },
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
    console.log("pack check: the installed packages hold built JavaScript, types, LICENSE and CHANGELOG only")

    fs.copyFileSync(nodePath.join(here, "pack-check", "node-app.ts"), nodePath.join(app, "app.ts"))
    fs.copyFileSync(nodePath.join(here, "pack-check", "browser-app.ts"), nodePath.join(app, "browser-app.ts"))
    const write = (file: string, json: unknown) =>
      fs.writeFileSync(nodePath.join(app, file), `${JSON.stringify(json, null, 2)}\n`)
    write("tsconfig.json", tsconfig("app.ts", { lib: ["ES2022", "DOM", "DOM.Iterable"], types: ["node"] }))
    write(
      "tsconfig.browser.json",
      tsconfig("browser-app.ts", { lib: ["ES2022", "DOM", "DOM.Iterable"], types: [] }),
    )
    const tsc = nodePath.join(app, "node_modules", "typescript", "bin", "tsc")
    await step("type-checked and compiled both programs against the packed types (skipLibCheck off)", () =>
      Promise.all([
        run(process.execPath, [tsc, "-p", "tsconfig.json"], app),
        run(process.execPath, [tsc, "-p", "tsconfig.browser.json"], app),
      ]),
    )

    const out = (file: string) => nodePath.join(app, "out", file)
    await step("ran the Node program against the in-process fake", async () =>
      process.stdout.write(await run(process.execPath, [out("app.js")], app)),
    )
    const command = await step("started the packed fake-containers-api command", () => startCommand(app))
    server = command.child
    await step("ran the Node and browser programs against it over HTTP", async () => {
      const [node, browser] = await Promise.all([
        run(process.execPath, [out("app.js"), command.url], app),
        run(process.execPath, [out("browser-app.js"), command.url], app),
      ])
      process.stdout.write(node + browser)
    })
    await step("stopped the command with SIGTERM", () => stopCommand(command.child))
    server = undefined
    console.log(`pack check: passed in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    server?.kill("SIGKILL")
    if (keep) console.log(`pack check: kept ${temp}`)
    else fs.rmSync(temp, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error instanceof CheckError ? `pack check FAILED: ${error.message}` : error)
  process.exit(1)
})
