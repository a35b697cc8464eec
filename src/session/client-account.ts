/**
 * The client's view of one DM server account (DMAcc, shared/spec §6.3),
 * reduced to what a session needs: where the server is, how each side
 * authenticates, and the nonces in force.
 */

/** How one side authenticates at the application level (DMAcc AAuthType). */
export type AuthScheme = 'none' | 'basic' | 'md5' | 'hmac';

/** One credential set: DMAcc `AppAuth/<x>` with its AAuthLevel. */
export interface CredentialSet {
  scheme: AuthScheme;
  /** AAuthName: the user name (for the client set, also SyncHdr Source/LocName). */
  name: string;
  /** AAuthSecret. */
  secret: string;
  /** AAuthData: the nonce in force (raw bytes; Base64 on the wire). */
  nonce: Uint8Array;
}

/** A server account as a session uses it. */
export interface ClientAccount {
  /** DMAcc ServerID: the principal in ACLs. */
  serverId: string;
  /** DMAcc AppAddr: the server URI (SyncHdr Target of package 1, and the first URL). */
  serverUri: string;
  /** Credentials the client presents (AAuthLevel CLCRED). `scheme` is the preferred one (AAuthPref). */
  client: CredentialSet;
  /** Credentials the server must present (AAuthLevel SRVCRED); scheme `none` to not require any. */
  server: CredentialSet;
  /** Encoding of messages to this server. */
  encoding: 'xml' | 'wbxml';
}
