import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

/** The machine's PostgreSQL (trust auth); CI starts it (.ci/run). Tests fail, never skip, without it. */
export const POSTGRES_ADMIN_URL =
  process.env.KFM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${POSTGRES_ADMIN_URL} (${(error as Error).message}): start it (see .ci/run); these tests never skip`,
    );
  }
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database per call, named at random, each dropped after the file's tests (WITH (FORCE):
 * a killed writer's session must not keep it alive). Returns the database's URL.
 */
export function usePostgresDatabases(): () => Promise<string> {
  const created: string[] = [];
  afterAll(async () => {
    if (created.length === 0) return;
    await admin(async (client) => {
      for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  });
  return async () => {
    const name = `kfm_test_${randomBytes(6).toString('hex')}`;
    await admin((client) => client.query(`CREATE DATABASE ${name}`));
    created.push(name);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return url.toString();
  };
}

/** Runs `use` on a plain node-postgres client of the database at `url` (no kfm code in between). */
export async function withPostgres<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
