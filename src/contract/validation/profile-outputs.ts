import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { parse as parseCsvStream } from 'csv-parse';
import { isUtf8Label } from '../../events/utf8.js';
import { ProfileAccumulator, type ProfileOptions } from './profile-accumulator.js';
import { CSV_OPTIONS, readRecords } from './read-records.js';

export interface ProfiledFile {
  /** The output's path as the run recorded it (the profile names it so). */
  path: string;
  /** Where it is on disk. */
  file: string;
}

/**
 * Profiles outputs one file at a time and merges the accumulators (README "Profiles"). A CSV file
 * streams through csv-parse, so memory stays bounded whatever its size (bench/profile-csv.ts: a
 * 1 GiB file). A GeoJSON FeatureCollection is one JSON document (RFC 7946 §3.3) and is parsed
 * whole, as validation's checks parse it. A file that does not parse is profiled no further than
 * the chunks before the one that fails (so never past the failure): the `readable` check fails the
 * validation, naming where.
 */
export async function profileFiles(
  options: ProfileOptions,
  files: readonly ProfiledFile[],
  encoding = 'utf-8',
): Promise<ProfileAccumulator> {
  let total = new ProfileAccumulator(options);
  for (const f of files) {
    const one = new ProfileAccumulator(options);
    if (options.format === 'csv') await profileCsv(one, f, encoding);
    else await profileGeoJson(one, f, encoding);
    total = total.merge(one);
  }
  return total;
}

async function profileCsv(into: ProfileAccumulator, f: ProfiledFile, encoding: string): Promise<void> {
  const parser = parseCsvStream(CSV_OPTIONS);
  const source = createReadStream(f.file);
  // csv-parse decodes UTF-8 itself; any other declared encoding is decoded on the way in.
  const input = isUtf8Label(encoding) ? source : source.pipe(decoding(encoding));
  input.on('error', (error: Error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const row of parser) into.add(f.path, { fields: row as Record<string, string> });
  } catch {
    // Unparseable from here on: the readable check reports it (see profileFiles).
  }
}

function decoding(encoding: string): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _encoding, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
}

async function profileGeoJson(into: ProfileAccumulator, f: ProfiledFile, encoding: string): Promise<void> {
  const bytes = await readFile(f.file).catch(() => new Uint8Array());
  for (const record of readRecords('geojson', [{ path: f.path, bytes }], encoding).records) {
    into.add(f.path, { fields: record.fields, geometry: record.geometry });
  }
}
