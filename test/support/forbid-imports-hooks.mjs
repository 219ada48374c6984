// The module hooks test/support/forbid-imports.mjs registers (they run on Node's loader thread).
// A package is refused as a bare import (`zod`, `better-sqlite3/…`) and, in the bundled CLI, as its
// chunk: scripts/bundle-cli.ts puts each npm package in dist/cli/dep-<package>.js (`@scope/name` as
// dep-scope-name.js). An entry ending in `*` refuses the chunks whose file name starts with the rest
// (`command-*`: any command's chunk, command-<name>.js).
let forbidden = [];

export function initialize(data) {
  forbidden = data;
}

const fileName = (url) => url.slice(url.lastIndexOf('/') + 1);

function refusedChunk(url) {
  const file = fileName(url);
  return forbidden.find((entry) =>
    entry.endsWith('*')
      ? file.startsWith(entry.slice(0, -1))
      : file === `dep-${entry.replace(/^@/, '').replace('/', '-')}.js`,
  );
}

export async function resolve(specifier, context, next) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (forbidden.includes(name)) {
    throw new Error(`forbidden import of ${specifier} from ${context.parentURL}`);
  }
  const resolved = await next(specifier, context);
  const entry = refusedChunk(resolved.url);
  if (entry !== undefined) {
    throw new Error(`forbidden import of ${entry} (${fileName(resolved.url)}) from ${context.parentURL}`);
  }
  return resolved;
}
