/**
 * Bootstrap: the documents that give a device its DM accounts (DM and CP
 * profiles), their security (SEC/MAC), applying them on the device, and the
 * virtual smartcard that carries them (docs/bootstrap.md).
 */
export * from './security.js';
export * from './cp-document.js';
export * from './cp-profile.js';
export * from './dm-profile.js';
export * from './apply.js';
export * from './virtual-card.js';
export * from './content-type.js';
export * from './pkcs15.js';
