/**
 * A refusal's text as a sentence for a notice. The library names the field first
 * (`invalid(field, message)` → "shares: The shared folder "x" (/srv/x) does not exist; …"),
 * which the CLI and the API keep; a notice drops the field when the rest is a sentence of its
 * own. A fragment ("bootOrder: lists a device twice.") needs its field and is left as it is.
 */

/** A field path as the library writes it: `shares`, `snapshot.name`, `network.forwards`. */
const fieldPrefix = /^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*: (?=[A-Z"])/u;

/** `desc` without a leading "field: " when what follows is a sentence; otherwise `desc` unchanged. */
export function errorSentence(desc: string): string {
  return desc.replace(fieldPrefix, '');
}
