/** Base64 from the wire to bytes (no DOM, so unit tested in Node). */

/** The bytes of a base64 text (empty for malformed input: the wire is ours, so that does not happen). */
export function fromBase64(text: string): Uint8Array {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return bytes;
  } catch {
    return new Uint8Array(0);
  }
}
