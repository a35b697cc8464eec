/**
 * UTF-8 text helpers for the codecs. SyncML text is mostly short ASCII (URIs,
 * numbers, names): strings of up to 16 bytes are built directly, longer ones
 * go through a strict (fatal) TextDecoder.
 */

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Decode `bytes[start, end)` as UTF-8. Returns `null` when the bytes are not
 * valid UTF-8 so the caller can raise its own error naming the place.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string | null {
  // Short strings: building from char codes beats a native call's overhead.
  if (end - start <= 16) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decodeSlow(bytes, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decodeSlow(bytes, start, end);
}

function decodeSlow(bytes: Uint8Array, start: number, end: number): string | null {
  try {
    return strictDecoder.decode(bytes.subarray(start, end));
  } catch {
    return null;
  }
}

/** Encode a string as UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Number of bytes `text` takes in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n += 2; i++; continue; }
      n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * True when `text` is well-formed UTF-16 (no lone surrogates), i.e. it has an
 * exact UTF-8 encoding. Encoders refuse text that would be silently altered.
 */
export function isWellFormedText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = text.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}
