// The module hooks test/support/forbid-imports.mjs registers (they run on Node's loader thread).
// A package is refused as a bare import (`zod`, `better-sqlite3/…`) and, in the bundled CLI, as its
// chunk: scripts/bundle-cli.ts puts each npm package in dist/cli/dep-<package>.js (`@scope/name`
// as dep-scope-name.js).
let forbidden = [];

export function initialize(data) {
  forbidden = data;
}

const chunkOf = (name) => `/dep-${name.replace(/^@/, '').replace('/', '-')}.js`;

export async function resolve(specifier, context, next) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (forbidden.includes(name)) {
    throw new Error(`forbidden import of ${specifier} from ${context.parentURL}`);
  }
  const resolved = await next(specifier, context);
  const chunk = forbidden.find((f) => resolved.url.endsWith(chunkOf(f)));
  if (chunk !== undefined) {
    throw new Error(`forbidden import of ${chunk} (${resolved.url}) from ${context.parentURL}`);
  }
  return resolved;
}
