import { LineCounter, parseDocument } from 'yaml';

export type RegistryYaml =
  | { ok: true; value: unknown; lineOf: (path: readonly PropertyKey[]) => number | undefined }
  | { ok: false; line?: number; message: string };

/**
 * Parses a registry file keeping its source positions, so every problem (not only a syntax error)
 * can name its line. Same rules as run specs (read-spec.ts): the YAML core schema, so dates stay
 * text and no custom tags apply, and duplicate keys are refused rather than last-one-wins.
 */
export function readRegistryYaml(text: string): RegistryYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, lineCounter, prettyErrors: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0].line;
    // yaml's first line ends with "at line L, column C:"; the line is reported on its own.
    const first = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const message = `not valid YAML (${first})`;
    return line === undefined ? { ok: false, message } : { ok: false, line, message };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // toJS throws on alias bombs and similar documents that parse but cannot be expanded.
    return { ok: false, message: `not valid YAML (${(cause as Error).message.split('\n')[0]})` };
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // The node itself, or for a missing field its nearest present parent.
    for (let depth = path.length; depth > 0; depth--) {
      let node: { range?: [number, number, number] | null } | undefined;
      try {
        node = doc.getIn(path.slice(0, depth), true) as typeof node;
      } catch {
        node = undefined; // a path through a scalar: fall back to its parent
      }
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { ok: true, value, lineOf };
}
