/**
 * The SyncML DM wire layer: message model, XML and WBXML codecs, code tables,
 * media types and size accounting. Pure: no I/O, no clock, no randomness.
 */
export * from './model.js';
export * from './codec.js';
export * from './codes.js';
export * from './media-types.js';
export { encodeXml, encodeXmlCommand, encodeEmbeddedXml, escapeXmlText, type XmlEncodeOptions } from './xml-encoder.js';
export { encodeWbxml, encodeWbxmlCommand, encodeEmbeddedWbxml, type WbxmlEncodeOptions } from './wbxml-encoder.js';
export { DEFAULT_LIMITS, type DecodeLimits } from './raw-element.js';
export { decodeWbxmlDocument, type WbxmlDocument } from './wbxml-decoder.js';
export { decodeXmlDocument, type XmlDocument } from './xml-decoder.js';
export { MessageAssembler, encodedCommandSize, type MessageAssemblerOptions } from './message-assembler.js';
export { LargeObjectSender, LargeObjectReceiver, transferSize, type ChunkOutcome, type LargeObjectSenderPosition, type LargeObjectReceiverState } from './large-object.js';
