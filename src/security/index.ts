/**
 * dmvisor's crypto layer (shared/design.md): SyncML DM authentication
 * (facts §4), the package #0 digest (facts §7.2), nonces, strict base64 and
 * constant-time comparison. Imports nothing but node:crypto.
 */
export { type RandomSource, defaultRandomSource, NONCE_LENGTH, createNonce } from './random.js';
export { encodeBase64, decodeBase64 } from './base64.js';
export { constantTimeEqual } from './constant-time.js';
export {
  AUTH_BASIC,
  AUTH_MD5,
  AUTH_MAC,
  type AuthMetaType,
  type AAuthTypeName,
  AAUTH_TYPE_BY_META,
  META_BY_AAUTH_TYPE,
  parseAuthMetaType,
  metaTypeForAAuthType,
} from './auth-types.js';
export { type Md5Secret, md5CredentialHash, computePackage0Digest } from './md5-digest.js';
export { type BasicCredentials, encodeBasicCred, decodeBasicCred, verifyBasicCred } from './auth-basic.js';
export { computeMd5Cred, verifyMd5Cred } from './auth-md5.js';
export { computeHmacMac, verifyHmacMac, createHmacHeader } from './hmac.js';
export { HMAC_HEADER_NAME, HMAC_HEADER_MAX_LENGTH, type HmacHeader, parseHmacHeader, formatHmacHeader } from './hmac-header.js';
