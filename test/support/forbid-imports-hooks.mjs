// The module hooks test/support/forbid-imports.mjs registers (they run on Node's loader thread).
let forbidden = [];

export function initialize(data) {
  forbidden = data;
}

export async function resolve(specifier, context, next) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (forbidden.includes(name)) {
    throw new Error(`forbidden import of ${specifier} from ${context.parentURL}`);
  }
  return next(specifier, context);
}
