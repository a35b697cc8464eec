/**
 * Meta Types of embedded documents follow the encoding of the message that
 * carries them: `…dmtnds+xml` inline in XML, `…dmtnds+wbxml` as nested WBXML
 * (libwbxml rewrites them the same way when converting).
 */
const PAIRS = new Map<string, [string, string]>(Object.entries({
  'application/vnd.syncml.dmtnds+xml': ['application/vnd.syncml.dmtnds+xml', 'application/vnd.syncml.dmtnds+wbxml'],
  'application/vnd.syncml.dmtnds+wbxml': ['application/vnd.syncml.dmtnds+xml', 'application/vnd.syncml.dmtnds+wbxml'],
  'application/vnd.syncml-devinf+xml': ['application/vnd.syncml-devinf+xml', 'application/vnd.syncml-devinf+wbxml'],
  'application/vnd.syncml-devinf+wbxml': ['application/vnd.syncml-devinf+xml', 'application/vnd.syncml-devinf+wbxml'],
}) as [string, [string, string]][]);

/** The Meta Type to write for `type` in a message of the given encoding. */
export function embeddedTypeFor(type: string, encoding: 'xml' | 'wbxml'): string {
  const pair = PAIRS.get(type);
  return pair === undefined ? type : pair[encoding === 'xml' ? 0 : 1];
}
