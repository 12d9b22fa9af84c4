/**
 * UTF-8 encoding and decoding for shared code, which has neither Node's Buffer nor (in its
 * type environment) TextEncoder/TextDecoder. Pure: no I/O.
 */

/** The UTF-8 bytes of `text`; a lone surrogate becomes U+FFFD, as TextEncoder does. */
export function encodeUtf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      bytes.push(code);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index++;
      } else code = 0xfffd;
    }
    if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Uint8Array.from(bytes);
}

/**
 * Decodes `bytes` as UTF-8. Strict (the default): undefined when they are not valid UTF-8
 * (overlong forms, surrogates, code points above U+10FFFF, truncated sequences). Lossy: each
 * invalid byte becomes U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, lossy = false): string | undefined {
  const parts: string[] = [];
  let units: number[] = [];
  const flush = (): void => {
    parts.push(String.fromCharCode(...units));
    units = [];
  };
  for (let index = 0; index < bytes.length; ) {
    const first = bytes[index] as number;
    if (first < 0x80) {
      units.push(first);
      index++;
    } else {
      const code = decodeSequence(bytes, index);
      if (code === undefined) {
        if (!lossy) return undefined;
        units.push(0xfffd);
        index++;
      } else {
        if (code >= 0x10000) units.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
        else units.push(code);
        index += code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      }
    }
    // String.fromCharCode takes its units as arguments: keep each call well under the engine's argument limit.
    if (units.length >= 8192) flush();
  }
  flush();
  return parts.join('');
}

/** The code point of the multi-byte sequence starting at `index`, or undefined when it is invalid. */
function decodeSequence(bytes: Uint8Array, index: number): number | undefined {
  const first = bytes[index] as number;
  const length = first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : first >= 0xf0 && first <= 0xf4 ? 4 : 0;
  if (length === 0 || index + length > bytes.length) return undefined;
  let code = first & (0xff >> (length + 1));
  for (let offset = 1; offset < length; offset++) {
    const next = bytes[index + offset] as number;
    if ((next & 0xc0) !== 0x80) return undefined;
    code = (code << 6) | (next & 0x3f);
  }
  const smallest = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000;
  if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return code;
}
