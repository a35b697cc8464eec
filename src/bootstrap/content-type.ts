/**
 * The media type of a bootstrap document file whose type was not given:
 * WBXML with public id 0x0B is a CP provisioning document, other WBXML a DM
 * message; XML whose root is `wap-provisioningdoc` is CP, other XML DM.
 */
import { CP_WBXML_TYPE, CP_XML_TYPE, PROV_PUBLIC_ID } from './cp-document.js';
import { DM_BOOTSTRAP_TYPE } from './dm-profile.js';

/** Guess a bootstrap document's media type from its bytes. */
export function guessBootstrapType(bytes: Uint8Array): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart();
  if (head.startsWith('<')) return /<wap-provisioningdoc[\s>/]/.test(head) ? CP_XML_TYPE : 'application/vnd.syncml.dm+xml';
  return bytes.length > 1 && bytes[1] === PROV_PUBLIC_ID ? CP_WBXML_TYPE : DM_BOOTSTRAP_TYPE;
}
