import type { z } from 'zod';

/** One thing wrong with a registry file: where (dotted field path, line), what, and how to fix it. */
export interface RegistryProblem {
  /** Dotted path, e.g. `upstream.rate_limit` or `policy_labels.1`; '' for the file as a whole. */
  field: string;
  message: string;
  fix: string;
  line?: number;
}

export interface IssueContext {
  /** Fix per field pattern, list indexes written `*` (e.g. `policy_labels.*`). */
  fixes: Readonly<Record<string, string>>;
  /** Field names allowed at each object path ('' for the top level), for "did you mean". */
  knownFields: Readonly<Record<string, readonly string[]>>;
  lineOf?: ((path: readonly PropertyKey[]) => number | undefined) | undefined;
}

/**
 * Turns zod issues (plain data, as zod v4 reports them) into problems a person can act on. Schema
 * checks phrase their message as a predicate ("must be greater than 0") so it reads after the value;
 * a custom issue may carry its own fix in `params.fix`.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  context: IssueContext,
): RegistryProblem[] {
  const problems: RegistryProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(unknownField([...issue.path, key], context));
      continue;
    }
    const fix =
      (issue.code === 'custom' ? (issue.params?.fix as string | undefined) : undefined) ??
      context.fixes[pattern(issue.path)] ??
      'see the registry fields in README.md';
    problems.push(
      located(issue.path, { field: dotted(issue.path), message: messageOf(issue), fix }, context),
    );
  }
  return problems;
}

function messageOf(issue: z.core.$ZodIssue): string {
  const input = issue.input;
  if (issue.code === 'invalid_type') {
    if (input === undefined) return 'is required';
    if (input === null) return 'is empty';
    const expected =
      issue.expected === 'object'
        ? 'a mapping'
        : issue.expected === 'array'
          ? 'a list'
          : `a ${issue.expected}`;
    return `${isScalar(input) ? `${show(input)} ` : ''}is ${kindOf(input)}, not ${expected}`;
  }
  if (issue.code === 'invalid_value') return `${show(input)} is not one of ${issue.values.join(', ')}`;
  // A custom issue that brings its own fix also wrote its message in full, value included.
  if (issue.code === 'custom' && issue.params?.fix !== undefined) return issue.message;
  return isScalar(input) ? `${show(input)} ${issue.message}` : issue.message;
}

function unknownField(path: PropertyKey[], context: IssueContext): RegistryProblem {
  const key = String(path[path.length - 1]);
  const known = context.knownFields[dotted(path.slice(0, -1))] ?? [];
  const near =
    known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? known.find((k) => distance(k, key) <= 2);
  const fix =
    near === undefined
      ? `remove it; the fields here are ${known.join(', ')}`
      : `did you mean '${near}'? Rename it, or remove it`;
  return located(path, { field: dotted(path), message: 'is not a registry field', fix }, context);
}

function located(
  path: readonly PropertyKey[],
  problem: RegistryProblem,
  context: IssueContext,
): RegistryProblem {
  const line = context.lineOf?.(path);
  return line === undefined ? problem : { ...problem, line };
}

export function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function pattern(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? '*' : String(p))).join('.');
}

function isScalar(value: unknown): value is string | number | boolean {
  return ['string', 'number', 'boolean'].includes(typeof value);
}

export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (isScalar(value)) return String(value);
  return kindOf(value);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

/** Levenshtein distance, for typo hints on short field names only. */
export function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}
