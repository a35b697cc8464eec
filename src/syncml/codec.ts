/**
 * The public face of the wire layer: decode and encode SyncML DM messages in
 * XML and WBXML, and pick the codec from a Content-Type.
 */
import { DecodeError } from '../errors.js';
import type { SyncMLMessage, SyncmlVersion } from './model.js';
import { buildMessage } from './message-builder.js';
import { resolveLimits, type DecodeLimits } from './raw-element.js';
import { decodeWbxmlDocument } from './wbxml-decoder.js';
import { decodeXmlDocument } from './xml-decoder.js';
import { encodeXml, type XmlEncodeOptions } from './xml-encoder.js';
import { encodeWbxml, type WbxmlEncodeOptions } from './wbxml-encoder.js';
import { classifyDmContentType, type DmEncoding } from './media-types.js';
import { PublicId } from './tags.js';

/** Options for the decoders. */
export interface DecodeOptions {
  limits?: DecodeLimits;
}

/** Decode a SyncML DM message from XML (UTF-8 bytes or a string). */
export function decodeXml(input: Uint8Array | string, options: DecodeOptions = {}): SyncMLMessage {
  const limits = resolveLimits(options.limits);
  const doc = decodeXmlDocument(input, limits);
  const ns = doc.rootNamespace.toLowerCase();
  let version: SyncmlVersion | undefined;
  if (ns === 'syncml:syncml1.2') version = '1.2';
  else if (ns === 'syncml:syncml1.1') version = '1.1';
  else if (ns !== '') throw new DecodeError('syncml', 'SyncML', `unsupported namespace ${JSON.stringify(doc.rootNamespace)} (SYNCML:SYNCML1.2 or SYNCML:SYNCML1.1 expected)`, 'DMV_ERR_DECODE', 505);
  return buildMessage(doc.root, version, limits);
}

/** Decode a SyncML DM message from WBXML. */
export function decodeWbxml(input: Uint8Array, options: DecodeOptions = {}): SyncMLMessage {
  const limits = resolveLimits(options.limits);
  const doc = decodeWbxmlDocument(input, limits);
  if (doc.vocabulary !== 'syncml') throw new DecodeError('wbxml', 'byte 1', `document is ${doc.vocabulary}, not SyncML`);
  let version: SyncmlVersion | undefined;
  if (doc.publicId === PublicId.SYNCML_1_2 || doc.publicId === '-//SYNCML//DTD SyncML 1.2//EN') version = '1.2';
  else if (doc.publicId === PublicId.SYNCML_1_1 || doc.publicId === '-//SYNCML//DTD SyncML 1.1//EN') version = '1.1';
  return buildMessage(doc.root, version, limits);
}

/** Decode either encoding. */
export function decodeMessage(input: Uint8Array, encoding: DmEncoding, options: DecodeOptions = {}): SyncMLMessage {
  return encoding === 'wbxml' ? decodeWbxml(input, options) : decodeXml(input, options);
}

/** Decode a message body given its HTTP Content-Type (DM types and the older `vnd.syncml+…` ones). */
export function decodeByContentType(input: Uint8Array, contentType: string, options: DecodeOptions = {}): SyncMLMessage {
  return decodeMessage(input, classifyDmContentType(contentType).encoding, options);
}

/** Encode in the chosen encoding, as bytes. */
export function encodeMessage(msg: SyncMLMessage, encoding: DmEncoding, options: XmlEncodeOptions & WbxmlEncodeOptions = {}): Uint8Array {
  return encoding === 'wbxml' ? encodeWbxml(msg, options) : new TextEncoder().encode(encodeXml(msg, options));
}

/** Guess the encoding of a captured message from its first bytes (for tools, not for the wire). */
export function sniffEncoding(input: Uint8Array): DmEncoding | 'package0' | undefined {
  let i = 0;
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) i = 3;
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x0a || input[i] === 0x0d || input[i] === 0x09)) i++;
  if (input[i] === 0x3c) return 'xml';
  if (input.length >= 4 && input[0] <= 0x03 && (input[1] === 0xa4 || input[1] === 0x9f || input[1] === 0x00 || input[1] === 0x01)) return 'wbxml';
  if (input.length >= 24) return 'package0';
  return undefined;
}
