import deprecatedIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import currentIds from 'spdx-license-ids/index.json' with { type: 'json' };

/**
 * Licence identifiers are checked against the SPDX License List as packaged by spdx-license-ids
 * (index.json: current ids, deprecated.json: ids SPDX retired). A deprecated id is refused because
 * it is ambiguous (`GPL-2.0` does not say "only" or "or later"), and DCAT/STAC consumers resolve
 * ids through https://spdx.org/licenses/, where retired ids are flagged.
 */
export const SPDX_LIST_URL = 'https://spdx.org/licenses/';

const CURRENT = new Set<string>(currentIds);
const DEPRECATED = new Set<string>(deprecatedIds);

/** SPDX's own replacements for retired ids that have exactly one (see each id's page on spdx.org). */
const RENAMED: Readonly<Record<string, string>> = {
  'BSD-2-Clause-FreeBSD': 'BSD-2-Clause-Views',
  'BSD-2-Clause-NetBSD': 'BSD-2-Clause',
  Nunit: 'zlib-acknowledgement',
  'StandardML-NJ': 'SMLNJ',
  'bzip2-1.0.5': 'bzip2-1.0.6',
};

export type LicenseCheck =
  | { ok: true }
  /** `replacements`: current ids to use instead, when SPDX's list makes them obvious. */
  | { ok: false; message: string; fix: string; replacements: string[] };

export function isSpdxLicenseId(id: string): boolean {
  return CURRENT.has(id);
}

export function checkSpdxLicense(id: string): LicenseCheck {
  if (CURRENT.has(id)) return { ok: true };
  const shown = `'${id}'`;
  const retired = DEPRECATED.has(id) ? id : [...DEPRECATED].find((d) => d.toLowerCase() === id.toLowerCase());
  if (retired !== undefined) {
    const replacements = replacementsOf(retired);
    return {
      ok: false,
      message: `${shown} is a deprecated SPDX identifier`,
      fix: deprecatedFix(replacements),
      replacements,
    };
  }
  const exact = [...CURRENT].find((c) => c.toLowerCase() === id.toLowerCase());
  if (exact !== undefined) {
    return {
      ok: false,
      message: `${shown} is not written as SPDX writes it`,
      fix: `write ${exact}`,
      replacements: [exact],
    };
  }
  const near = suggestLicense(id);
  return {
    ok: false,
    message: `${shown} is not an SPDX identifier`,
    fix: `use one of ${SPDX_LIST_URL} e.g. ${near ?? 'CC-BY-4.0, CC0-1.0 or Apache-2.0'}`,
    replacements: near === undefined ? [] : [near],
  };
}

function replacementsOf(retired: string): string[] {
  const renamed = RENAMED[retired];
  if (renamed !== undefined) return [renamed];
  // GNU licences were split into "-only" and "-or-later"; which one applies is the licensor's choice.
  // The "-with-…-exception" ids became expressions (`GPL-2.0-only WITH …`): no single id replaces them.
  const gnu = /^((?:A|L)?GPL|GFDL)-(\d\.\d)$/.exec(retired);
  if (gnu === null) return [];
  const base = `${gnu[1]}-${gnu[2]}`;
  return [`${base}-only`, `${base}-or-later`].filter((c) => CURRENT.has(c));
}

function deprecatedFix(replacements: readonly string[]): string {
  if (replacements.length === 1) return `use ${replacements[0]}, which SPDX lists in its place`;
  if (replacements.length === 2)
    return `use ${replacements[0]} or ${replacements[1]}, whichever the licence grants`;
  return `pick its current identifier from ${SPDX_LIST_URL}`;
}

/** "Apache2" → Apache-2.0, "GPLv3" → GPL-3.0-only, "MIT License" → MIT: a hint, never applied silently. */
export function suggestLicense(input: string): string | undefined {
  const wanted = normalize(input);
  if (wanted.length < 2) return undefined;
  let best: { id: string; key: string } | undefined;
  for (const id of CURRENT) {
    const key = normalize(id);
    if (!key.startsWith(wanted)) continue;
    if (
      best === undefined ||
      key.length < best.key.length ||
      (key.length === best.key.length && id < best.id)
    ) {
      best = { id, key };
    }
  }
  return best?.id;
}

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/licen[cs]e/g, '')
    .replace(/v(?=\d)/g, '')
    .replace(/[^a-z0-9]/g, '');
}
