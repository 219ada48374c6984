/**
 * A small builder for PROV-JSON documents (W3C Member Submission "PROV-JSON", 2013): records keyed
 * by qualified name, relations keyed by blank ids numbered in insertion order, so the same events
 * always give the same document. Attribute values are the submission's literals (§2.2).
 */

export type ProvLiteral = string | number | boolean | { $: string; type: string };
export type ProvValue = ProvLiteral | ProvLiteral[];
export type ProvAttributes = Record<string, ProvValue>;

/** The relation keys of PROV-JSON §2.3 that the renderer uses. */
export type ProvRelation =
  | 'used'
  | 'wasGeneratedBy'
  | 'wasDerivedFrom'
  | 'wasAssociatedWith'
  | 'actedOnBehalfOf'
  | 'hadMember'
  | 'wasInformedBy'
  | 'wasStartedBy';

export interface ProvDocument {
  prefix: Record<string, string>;
  entity?: Record<string, ProvAttributes>;
  activity?: Record<string, ProvAttributes>;
  agent?: Record<string, ProvAttributes>;
  used?: Record<string, ProvAttributes>;
  wasGeneratedBy?: Record<string, ProvAttributes>;
  wasDerivedFrom?: Record<string, ProvAttributes>;
  wasAssociatedWith?: Record<string, ProvAttributes>;
  actedOnBehalfOf?: Record<string, ProvAttributes>;
  hadMember?: Record<string, ProvAttributes>;
  wasInformedBy?: Record<string, ProvAttributes>;
  wasStartedBy?: Record<string, ProvAttributes>;
}

/** A qualified name as an attribute value (PROV-JSON §2.2: typed `prov:QUALIFIED_NAME`). */
export function qualified(name: string): { $: string; type: string } {
  return { $: name, type: 'prov:QUALIFIED_NAME' };
}

/**
 * `prefix:a/b/c` with every segment percent-encoded, so a path or run id can never break the
 * qualified name: PROV-N's PN_LOCAL (PROV-N §3.7.5) allows `%XX` but not a bare `:`, `(`, `)` or `'`,
 * and the PROV-JSON schema checks relation members as URIs.
 */
export function qname(prefix: string, ...parts: string[]): string {
  const encode = (segment: string) =>
    encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${prefix}:${parts
    .flatMap((p) => p.split('/'))
    .map(encode)
    .join('/')}`;
}

const RELATION_TAGS: Readonly<Record<ProvRelation, string>> = {
  used: 'u',
  wasGeneratedBy: 'g',
  wasDerivedFrom: 'd',
  wasAssociatedWith: 'a',
  actedOnBehalfOf: 'b',
  hadMember: 'm',
  wasInformedBy: 'i',
  wasStartedBy: 's',
};

export class ProvBuilder {
  private readonly records = {
    entity: new Map<string, ProvAttributes>(),
    activity: new Map<string, ProvAttributes>(),
    agent: new Map<string, ProvAttributes>(),
  };
  private readonly relations = new Map<ProvRelation, Map<string, ProvAttributes>>();
  private readonly seen = new Set<string>();

  constructor(private readonly prefix: Record<string, string>) {}

  /** Adds or updates a record; later attributes win (the latest write of a path describes it). */
  add(kind: 'entity' | 'activity' | 'agent', id: string, attributes: ProvAttributes = {}): string {
    this.records[kind].set(id, { ...this.records[kind].get(id), ...attributes });
    return id;
  }

  has(kind: 'entity' | 'activity' | 'agent', id: string): boolean {
    return this.records[kind].has(id);
  }

  /** Adds a relation once: the same statement twice (e.g. two stages using one file) is one record. */
  relate(kind: ProvRelation, attributes: ProvAttributes): void {
    const key = `${kind}\n${JSON.stringify(attributes)}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const group = this.relations.get(kind) ?? new Map<string, ProvAttributes>();
    this.relations.set(kind, group);
    group.set(`_:${RELATION_TAGS[kind]}${String(group.size + 1).padStart(4, '0')}`, attributes);
  }

  build(): ProvDocument {
    const doc: ProvDocument = { prefix: { ...this.prefix } };
    for (const kind of ['entity', 'activity', 'agent'] as const) {
      if (this.records[kind].size > 0) doc[kind] = Object.fromEntries(this.records[kind]);
    }
    for (const [kind, group] of this.relations) doc[kind] = Object.fromEntries(group);
    return doc;
  }
}

/** JSON with sorted keys: a params or summary object as one deterministic string attribute. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const entries = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
