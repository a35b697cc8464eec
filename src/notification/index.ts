/**
 * Package #0 — the server-alerted session notification (facts §7): a pure
 * codec, its digest check with nonce resync, and the SessionID mapping.
 */
export {
  PACKAGE0_CONTENT_TYPE,
  PACKAGE0_VERSION,
  PACKAGE0_DEFAULT_MAX_SIZE,
  UI_MODE,
  type UiMode,
  INITIATOR,
  type Initiator,
  type Package0Fields,
  type Package0Secret,
  type Package0,
  type Package0DecodeOptions,
  encodePackage0,
  decodePackage0,
} from './package0.js';
export {
  type ResetNonceForm,
  DEFAULT_RESET_NONCE_FORM,
  resetNonce,
  type Package0VerifyOptions,
  type Package0NonceMatch,
  verifyPackage0Digest,
} from './package0-digest.js';
export { sessionIdToHeader, parseSessionIdHeader } from './session-id.js';
export { encodeWapPush, decodeWapPush, PushApplicationId, WSP_CONTENT_TYPE_CODES, type WapPush } from './wap-push.js';
