/** Calling a test server's admin API: JSON in and out, status kept. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read field by field in assertions
export type Json = any;

/** `method path` on `base` with the bearer `token`; the answer's status and parsed JSON. */
export async function apiCall(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
