/**
 * The one rule for names users give machines and snapshots, shared by the CLI, the app API (core
 * and library) and the renderer's forms, so that a name one of them accepts is never refused
 * (or, worse, accepted) differently by another. Pure: no platform imports.
 *
 * A name is shown in lists, window titles and terminal output, passed on command lines and used
 * to derive file names, so it must read the same everywhere: no path separators or dot-only
 * names, no leading `-` (a command line would take it for an option), and no invisible or
 * reordering characters (control characters, bidi overrides and isolates, zero-width and other
 * format characters) that could make one name look like another.
 */

/** What is being named; the limits and messages follow it. */
export type NameSubject = 'machine' | 'snapshot';

/** Longest name, in characters (code points), per subject. */
export const NAME_MAX_LENGTH: Readonly<Record<NameSubject, number>> = { machine: 64, snapshot: 200 };

/** A checked name, or why it was refused (a sentence that says what to do). */
export type NameCheck = { ok: true; value: string } | { ok: false; error: string };

/**
 * Characters a name must not contain: Unicode control (Cc), format (Cf: bidi embeddings and
 * overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E/U+200F/U+061C, zero-width
 * U+200B–U+200D, U+2060, U+FEFF, soft hyphen…), line and paragraph separators (Zl, Zp),
 * unpaired surrogates (Cs) and private-use characters (Co), which render differently per font.
 */
const forbiddenCharacter = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/** `U+202E` for a code point. */
function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Human names of the characters people most often meet by accident or in attacks. */
const characterNames: Readonly<Record<string, string>> = {
  '\t': 'a tab',
  '\n': 'a line break',
  '\r': 'a carriage return',
  '\u0000': 'a NUL character',
  '\u001b': 'an escape character',
  '\u200b': 'a zero-width space',
  '\u200c': 'a zero-width non-joiner',
  '\u200d': 'a zero-width joiner',
  '\u200e': 'a left-to-right mark',
  '\u200f': 'a right-to-left mark',
  '\u202a': 'a left-to-right embedding',
  '\u202b': 'a right-to-left embedding',
  '\u202c': 'a pop-directional-formatting character',
  '\u202d': 'a left-to-right override',
  '\u202e': 'a right-to-left override',
  '\u2066': 'a left-to-right isolate',
  '\u2067': 'a right-to-left isolate',
  '\u2068': 'a first-strong isolate',
  '\u2069': 'a pop-directional-isolate character',
  '\ufeff': 'a zero-width no-break space (byte order mark)',
};

/**
 * Renders a (possibly hostile) name safely for a message: forbidden characters become `\u{…}`
 * escapes, so the message itself cannot be reordered or hide anything. At most 80 characters.
 */
export function displayName(name: string): string {
  const shown = [...name].map((character) => (forbiddenCharacter.test(character) ? `\\u{${(character.codePointAt(0) ?? 0).toString(16)}}` : character)).join('');
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}

/**
 * Checks a machine or snapshot name and returns it trimmed, or a sentence saying what is wrong
 * and what to do. Trimming removes leading and trailing white space only; nothing else is
 * silently changed.
 */
export function checkName(name: unknown, subject: NameSubject = 'machine'): NameCheck {
  const fail = (error: string): NameCheck => ({ ok: false, error });
  if (typeof name !== 'string') return fail(`A ${subject} name must be text.`);
  const trimmed = name.trim();
  if (trimmed.length === 0) return fail(`Give the ${subject} a name; it cannot be empty or only spaces.`);
  const length = [...trimmed].length;
  const max = NAME_MAX_LENGTH[subject];
  if (length > max) return fail(`A ${subject} name can have at most ${max} characters; this one has ${length}. Choose a shorter name.`);
  // trim() also drops U+FEFF, an invisible format character: refuse it rather than hide it.
  const bad = forbiddenCharacter.exec(trimmed) ?? /\p{Cf}/u.exec(name);
  if (bad) {
    const character = bad[0];
    const described = characterNames[character] ?? 'an invisible or control character';
    return fail(`The ${subject} name "${displayName(trimmed)}" contains ${described} (${codePoint(character)}), a control or invisible character that can hide or reorder what the name shows. Type the name without it.`);
  }
  if (/[/\\]/.test(trimmed)) return fail(`A ${subject} name cannot contain / or \\ ("${displayName(trimmed)}"). Use another character, such as "-".`);
  if (/^\.+$/.test(trimmed)) return fail(`A ${subject} name cannot consist of dots only ("${trimmed}"). Choose a name with letters or digits.`);
  if (trimmed.startsWith('-')) return fail(`A ${subject} name cannot start with "-" ("${displayName(trimmed)}"): command lines would take it for an option. Start it with a letter or digit.`);
  return { ok: true, value: trimmed };
}

/** The problem with a name, or undefined when it is fine (for form fields). */
export function nameProblem(name: unknown, subject: NameSubject = 'machine'): string | undefined {
  const checked = checkName(name, subject);
  return checked.ok ? undefined : checked.error;
}
