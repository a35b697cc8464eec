/**
 * The PostgreSQL the tests use (`DMVISOR_TEST_PG`, default the local `test`
 * database), whether it answers, and a skip reason to show when it does not.
 */
import pg from 'pg';

export const TEST_PG_URL = process.env.DMVISOR_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Undefined when PostgreSQL answers; otherwise why not. */
export async function postgresUnreachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** `false` to run, or the visible SKIP reason (also printed) when PostgreSQL is absent. */
export async function postgresSkip(what: string): Promise<false | string> {
  const why = await postgresUnreachable();
  if (why === undefined) return false;
  const reason = `SKIP: PostgreSQL not reachable at ${TEST_PG_URL} (${why}); ${what} needs it — .ci/run starts it`;
  console.log(`# ${reason}`);
  return reason;
}

/** Drop a test schema. */
export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}
