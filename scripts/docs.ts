/**
 * The API reference, generated from the JSDoc with TypeDoc: one site per line, the four
 * packages of each as `<out>/<package>/`, linked to one another:
 *
 *   .tmp/docs/effect3/{core,node,browser,testing}/   the 1.x packages (packages/*)
 *   .tmp/docs/effect4/{core,node,browser,testing}/   the 2.x packages (packages/effect4/*)
 *
 * (each folder's `index.html` is the package's page; `.tmp/docs/<line>/index.html` lists the
 * four). The two lines are built side by side, each in its own process, from one TypeScript
 * program over the sources (through the `@openai-containers/source` condition, as the rest of
 * the workspace reads them); nothing is type-checked here, `pnpm typecheck` does that.
 *
 * It fails (exit code 1), after writing the sites, on anything that means a broken or
 * incomplete reference, listing each with its file and line:
 * - an export of a package (a module, and every export of each module) without a doc comment,
 *   or whose doc comment has no `@since`; one that is not a module and has no `@category`;
 * - a `{@link}` TypeDoc cannot resolve, or that resolves to something not in the reference;
 * - a public declaration whose type names a declaration that is not exported (the reference
 *   would show a name it cannot link to);
 * - any other TypeDoc warning or error (an unknown tag, a malformed comment, ...).
 *
 * Two conventions of these sources that TypeDoc does not follow by itself are bridged here:
 * a module's doc is the first comment of its file (as with `@effect/docgen`, without
 * `@module`), and `export { del as delete }` takes the doc comment written on the specifier.
 *
 *   pnpm docs                        (at the repository root)
 *   pnpm --filter @openai-containers/scripts run docs -- --line effect4   (one line only)
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import * as td from "typedoc"
import { makeRecursiveVisitor, type ReferenceType, type SomeType } from "typedoc/models"
import ts from "typescript"

const here = nodePath.dirname(fileURLToPath(import.meta.url))
const root = nodePath.join(here, "..")
const outRoot = nodePath.join(root, ".tmp", "docs")
const names = ["core", "node", "browser", "testing"] as const
const scope = "@openai-containers"
const repository = "https://github.com/openai-containers/openai-containers-effect"

const lines = {
  effect3: { dir: "packages", title: `${scope} 1.x (Effect 3)` },
  effect4: { dir: "packages/effect4", title: `${scope} 2.x (Effect 4)` },
} as const
type Line = keyof typeof lines
const isLine = (s: string | undefined): s is Line => s !== undefined && Object.hasOwn(lines, s)

/**
 * Names of declarations that public types may refer to without the reference having them
 * (qualified names, as in the messages: `ResponseInfo`). Empty: every such reference is reported.
 */
const intentionallyNotExported: ReadonlyArray<string> = []

const relative = (file: string) => nodePath.relative(root, file)

/** `file:line` of a reflection, or of the nearest enclosing one that has a source. */
const where = (reflection: td.Reflection): string => {
  for (let r: td.Reflection | undefined = reflection; r; r = r.parent) {
    const source =
      (r.isDeclaration() || r.isSignature() ? r.sources?.[0] : undefined) ??
      (r.isDeclaration() ? r.signatures?.[0]?.sources?.[0] : undefined)
    if (source) return `${relative(source.fullFileName)}:${source.line}`
  }
  return reflection.getFullName()
}

/**
 * Types in the reference that name a declaration of these packages the reference does not
 * have (TypeDoc's own `notExported` check passes over them, as they are not in the package it
 * takes the project for). Declarations of other packages (effect, ...) are not looked at.
 */
const notExported = (project: td.ProjectReflection, line: Line): Array<string> => {
  const found = new Map<string, string>()
  const sources = nodePath.join(root, lines[line].dir)
  const seen = new Set<td.Reflection>()
  let owner: td.Reflection = project
  const visitor = makeRecursiveVisitor({
    reference(type: ReferenceType) {
      const file = type.symbolId?.fileName
      if (type.reflection || type.externalUrl || type.isIntentionallyBroken() || file === undefined) return
      if (packageOf(file, line) === undefined || !file.startsWith(sources)) return
      // Reported once per export (not per signature, parameter, ...) and missing declaration.
      let exported = owner
      while (exported.parent && !exported.parent.kindOf(td.ReflectionKind.SomeModule))
        exported = exported.parent
      const key = `${exported.id} ${file} ${type.qualifiedName}`
      if (intentionallyNotExported.includes(type.qualifiedName) || found.has(key)) return
      found.set(
        key,
        `${where(owner)}: ${exported.getFriendlyFullName()} refers to ${type.qualifiedName} ` +
          `(${relative(file)}), which is not in the reference`,
      )
    },
  })
  const visit = (reflection: td.Reflection, types: ReadonlyArray<SomeType | undefined>) => {
    if (seen.has(reflection)) return
    seen.add(reflection)
    owner = reflection
    for (const type of types) type?.visit(visitor)
  }
  for (const reflection of Object.values(project.reflections)) {
    if (reflection.isDeclaration()) {
      // Not `extendedTypes`: the members of an unexported base are listed as inherited.
      visit(reflection, [reflection.type, ...(reflection.implementedTypes ?? [])])
    } else if (reflection.isSignature()) {
      visit(reflection, [reflection.type])
    } else if (reflection.isParameter()) {
      visit(reflection, [reflection.type])
    } else if (reflection.isTypeParameter()) {
      visit(reflection, [reflection.type, reflection.default])
    }
  }
  return [...found.values()]
}

/** The first doc comment of a file, if it is the file's and not its first statement's. */
const moduleComment = (context: td.Context, file: ts.SourceFile): td.Comment | undefined => {
  const docs = (ts.getLeadingCommentRanges(file.text, 0) ?? []).filter(
    (range) => file.text.startsWith("/**", range.pos) && !file.text.startsWith("/**/", range.pos),
  )
  const first = docs[0]
  if (first === undefined) return undefined
  const statement = file.statements[0]
  const documentsStatement =
    docs.length === 1 &&
    statement !== undefined &&
    !ts.isImportDeclaration(statement) &&
    !ts.isImportEqualsDeclaration(statement)
  if (documentsStatement) return undefined
  // TypeDoc reads the last doc comment before a node: show it a file that ends after the first.
  const truncated: ts.SourceFile = Object.create(file, { text: { value: file.text.slice(0, first.end) } })
  const node = Object.create(file, { pos: { value: 0 }, getSourceFile: { value: () => truncated } })
  return context.getNodeComment(node, false)
}

const packageOf = (file: string, line: Line): (typeof names)[number] | undefined => {
  const rel = nodePath.relative(nodePath.join(root, lines[line].dir), file).split(nodePath.sep)
  return names.find((name) => rel[0] === name && rel[1] === "src")
}

/** Every package at `<package>/`: its page `<package>/index.html`, its modules beneath. */
class PackageRouter extends td.StructureRouter {
  override getIdealBaseName(reflection: td.Reflection): string {
    const chain: Array<td.Reflection> = []
    for (let r: td.Reflection | undefined = reflection; r && !r.isProject(); r = r.parent) chain.unshift(r)
    const [pkg, ...rest] = chain
    if (pkg === undefined) return super.getIdealBaseName(reflection)
    const dir = this.getUrlSafeName(pkg.name.replace(`${scope}/`, ""))
    return rest.length === 0
      ? `${dir}/index`
      : [dir, ...rest.map((r) => this.getUrlSafeName(r.name))].join("/")
  }
}

/**
 * `{@link}`s (and `@linkcode`, `@linkplain`) in the doc comments that TypeDoc could not resolve,
 * or that resolve to a declaration the reference does not have (as TypeDoc's `invalidLink`
 * check, with the file and line).
 */
const brokenLinks = (project: td.ProjectReflection): Array<string> => {
  const found: Array<string> = []
  const partsOf = (comment: td.Comment | undefined) =>
    comment ? [comment.summary, ...comment.blockTags.map((tag) => tag.content)].flat() : []
  for (const reflection of Object.values(project.reflections)) {
    for (const part of partsOf(reflection.comment)) {
      if (part.kind !== "inline-tag" || !["@link", "@linkcode", "@linkplain"].includes(part.tag)) continue
      if (part.target !== undefined && !(part.target instanceof td.ReflectionSymbolId)) continue
      const what =
        part.target === undefined ? "cannot be resolved" : "is to a declaration not in the reference"
      found.push(
        `${where(reflection)}: ${reflection.getFriendlyFullName()}: {${part.tag} ${part.text.trim()}} ${what}`,
      )
    }
  }
  return found
}

const buildLine = async (line: Line): Promise<number> => {
  const started = performance.now()
  const base = nodePath.join(root, lines[line].dir)
  const out = nodePath.join(outRoot, line)
  fs.mkdirSync(outRoot, { recursive: true })
  const tsconfig = nodePath.join(outRoot, `tsconfig.${line}.json`)
  fs.writeFileSync(
    tsconfig,
    `${JSON.stringify(
      {
        extends: nodePath.relative(outRoot, nodePath.join(root, "tsconfig.base.json")),
        compilerOptions: { noEmit: true, types: ["node"] },
        include: names.map((name) => nodePath.relative(outRoot, nodePath.join(base, name, "src"))),
      },
      null,
      2,
    )}\n`,
  )

  const problems: Array<string> = []
  const app = await td.Application.bootstrapWithPlugins(
    {
      name: lines[line].title,
      entryPoints: names.map((name) => nodePath.join(base, name, "src", "index.ts")),
      entryPointStrategy: "resolve",
      tsconfig,
      out,
      readme: "none",
      skipErrorChecking: true,
      excludeExternals: true,
      cleanOutputDir: true,
      disableGit: true,
      gitRevision: "main",
      displayBasePath: root,
      sourceLinkTemplate: `${repository}/blob/{gitRevision}/{path}#L{line}`,
      defaultCategory: "Other",
      // Both done here instead, with files and lines (see `notExported`, `brokenLinks`).
      validation: { notExported: false, invalidLink: false, rewrittenLink: true, notDocumented: false },
      logLevel: "Warn",
    },
    [new td.TSConfigReader()],
  )
  app.renderer.defineRouter("package", PackageRouter)
  app.options.setValue("router", "package")

  app.converter.on(
    td.Converter.EVENT_CREATE_DECLARATION,
    (context: td.Context, reflection: td.DeclarationReflection) => {
      const symbol = context.getSymbolFromReflection(reflection)
      const declaration = symbol?.declarations?.[0]
      if (symbol === undefined || declaration === undefined) return
      if (reflection.kindOf(td.ReflectionKind.SomeModule) && ts.isSourceFile(declaration)) {
        // A package (its entry point) or a module (`export * as X from "./X.js"`).
        const pkg = packageOf(declaration.fileName, line)
        if (reflection.kindOf(td.ReflectionKind.Module) && pkg !== undefined) {
          reflection.name = `${scope}/${pkg}`
        }
        const comment = moduleComment(context, declaration)
        if (comment) reflection.comment = comment
      } else if (!reflection.comment && reflection.name !== symbol.name) {
        // `export { del as delete }`: the doc comment is on the export specifier.
        for (const statement of declaration.getSourceFile().statements) {
          if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier || !statement.exportClause)
            continue
          if (!ts.isNamedExports(statement.exportClause)) continue
          for (const specifier of statement.exportClause.elements) {
            const local = (specifier.propertyName ?? specifier.name).getText()
            if (specifier.name.getText() === reflection.name && local === symbol.name) {
              const comment = context.getNodeComment(specifier, false)
              if (comment) reflection.comment = comment
            }
          }
        }
      }
    },
    100,
  )

  // After comments moved to signatures, before `@category` tags are taken out of them.
  app.converter.on(
    td.Converter.EVENT_RESOLVE_END,
    (context: td.Context) => {
      const commentOf = (r: td.DeclarationReflection) =>
        r.comment ??
        r.signatures?.find((s) => s.comment)?.comment ??
        (r.type?.type === "reflection"
          ? r.type.declaration.signatures?.find((s) => s.comment)?.comment
          : undefined)
      const check = (r: td.DeclarationReflection, isModule: boolean) => {
        const comment = commentOf(r)
        const label = `${r.getFriendlyFullName()} (${td.ReflectionKind.singularString(r.kind)})`
        if (comment === undefined || (comment.isEmpty() && comment.blockTags.length === 0)) {
          problems.push(`${where(r)}: ${label} has no doc comment`)
          return
        }
        if (!comment.getTag("@since")) problems.push(`${where(r)}: ${label} has no @since`)
        if (!isModule && !comment.getTag("@category")) problems.push(`${where(r)}: ${label} has no @category`)
      }
      const walk = (container: td.ContainerReflection) => {
        for (const child of container.children ?? []) {
          const isModule = child.kindOf(td.ReflectionKind.SomeModule)
          check(child, isModule)
          if (isModule) walk(child)
        }
      }
      for (const pkg of context.project.children ?? []) {
        check(pkg, true)
        walk(pkg)
      }
    },
    100,
  )

  const project = await app.convert()
  if (!project) {
    console.error(`[${line}] TypeDoc could not convert the sources`)
    return 1
  }
  app.validate(project)
  problems.push(...brokenLinks(project), ...notExported(project, line))
  await app.generateOutputs(project)
  const missing = names.filter((name) => !fs.existsSync(nodePath.join(out, name, "index.html")))
  for (const name of missing) problems.push(`${relative(out)}/${name}/index.html was not written`)
  for (const problem of problems) console.error(`[${line}] ${problem}`)
  const failures = problems.length + app.logger.warningCount + app.logger.errorCount
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  ;(failures === 0 ? console.log : console.error)(
    failures === 0
      ? `[${line}] ${relative(out)}/{${names.join(",")}}/ (${seconds} s)`
      : `[${line}] ${problems.length} problems, ${app.logger.warningCount} TypeDoc warnings, ` +
          `${app.logger.errorCount} errors; the reference is in ${relative(out)} (${seconds} s)`,
  )
  return failures === 0 ? 0 : 1
}

const main = async () => {
  const args = process.argv.slice(2)
  const at = args.indexOf("--line")
  if (at !== -1) {
    const line = args[at + 1]
    if (!isLine(line)) throw new Error(`--line takes one of: ${Object.keys(lines).join(", ")}`)
    return buildLine(line)
  }
  // One process per line, side by side: each loads its own TypeScript program.
  const codes = await Promise.all(
    (Object.keys(lines) as Array<Line>).map(
      (line) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [...process.execArgv, fileURLToPath(import.meta.url), "--line", line],
            {
              stdio: "inherit",
            },
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
    console.error(error)
    process.exitCode = 1
  },
)
