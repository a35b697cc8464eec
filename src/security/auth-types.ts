/**
 * Names of the SyncML DM authentication types (facts §4.1): the `Cred/Meta/Type`
 * and `Chal/Meta/Type` strings, and the DMAcc `AAuthType` values that select them.
 */

/** `Meta/Type` of Basic credentials, `B64(user ":" pass)` (facts §4.1). */
export const AUTH_BASIC = 'syncml:auth-basic';
/** `Meta/Type` of MD5 digest credentials (facts §4.1). */
export const AUTH_MD5 = 'syncml:auth-md5';
/** `Meta/Type` of HMAC-MD5 message integrity, header `x-syncml-hmac` (facts §4.3). */
export const AUTH_MAC = 'syncml:auth-MAC';

/** The `Meta/Type` strings dmvisor implements. */
export type AuthMetaType = typeof AUTH_BASIC | typeof AUTH_MD5 | typeof AUTH_MAC;

/** DMAcc `AppAuth/<x>/AAuthType` value for each implemented type (facts §4.1, §6.3). */
export const AAUTH_TYPE_BY_META = {
  [AUTH_BASIC]: 'BASIC',
  [AUTH_MD5]: 'DIGEST',
  [AUTH_MAC]: 'HMAC',
} as const satisfies Record<AuthMetaType, string>;

/** A DMAcc `AAuthType` value dmvisor implements. */
export type AAuthTypeName = (typeof AAUTH_TYPE_BY_META)[AuthMetaType];

/** `Meta/Type` string for each implemented DMAcc `AAuthType` (facts §4.1). */
export const META_BY_AAUTH_TYPE = {
  BASIC: AUTH_BASIC,
  DIGEST: AUTH_MD5,
  HMAC: AUTH_MAC,
} as const satisfies Record<AAuthTypeName, AuthMetaType>;

const metaByLower = new Map<string, AuthMetaType>(
  (Object.keys(AAUTH_TYPE_BY_META) as AuthMetaType[]).map((t) => [t.toLowerCase(), t]),
);

/**
 * Recognise a received `Meta/Type` string (facts §4.1), case-insensitively
 * since peers differ on `auth-MAC` vs `auth-mac`; returns the canonical
 * spelling, or `undefined` for a type dmvisor does not implement.
 */
export function parseAuthMetaType(type: string): AuthMetaType | undefined {
  return metaByLower.get(type.trim().toLowerCase());
}

/**
 * Map a DMAcc `AAuthType` value (facts §6.3) to its `Meta/Type` string,
 * case-insensitively; `undefined` for transport-level or unimplemented types
 * (`HTTP-BASIC`, `X509`, …).
 */
export function metaTypeForAAuthType(aauthType: string): AuthMetaType | undefined {
  const key = aauthType.trim().toUpperCase();
  return Object.hasOwn(META_BY_AAUTH_TYPE, key) ? META_BY_AAUTH_TYPE[key as AAuthTypeName] : undefined;
}
