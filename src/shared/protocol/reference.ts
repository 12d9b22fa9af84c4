/**
 * The engine protocol described as data: a canonical JSON description (for the golden file),
 * a compatibility check between two descriptions, and the Markdown reference document.
 * Everything is derived from the same definitions the engine validates with.
 */
import type { CommandTable, EventTable } from './definitions.js';
import { describe } from './schema.js';
import type { Schema, SchemaDescription } from './schema.js';
import { engineCommands, engineEvents, engineProtocolVersion, errorClasses, runStates } from './engine/index.js';

/** The canonical description of a protocol (no docs: only what compatibility depends on). */
export interface ProtocolDescription {
  version: string;
  errorClasses: string[];
  runStates: string[];
  commands: Record<string, { since: string; args: SchemaDescription; returns: SchemaDescription }>;
  events: Record<string, { since: string; data: SchemaDescription }>;
  definitions: Record<string, SchemaDescription>;
}

/** Describes a command and event table. */
export function describeProtocol(commands: CommandTable, events: EventTable, extra: { version: string; errorClasses: readonly string[]; runStates: readonly string[] }): ProtocolDescription {
  const definitions: Record<string, SchemaDescription> = {};
  const out: ProtocolDescription = { version: extra.version, errorClasses: [...extra.errorClasses], runStates: [...extra.runStates], commands: {}, events: {}, definitions };
  for (const name of Object.keys(commands).sort()) {
    const command = commands[name];
    if (command) out.commands[name] = { since: command.since, args: describe(command.args, definitions), returns: describe(command.returns, definitions) };
  }
  for (const name of Object.keys(events).sort()) {
    const event = events[name];
    if (event) out.events[name] = { since: event.since, data: describe(event.data, definitions) };
  }
  out.definitions = Object.fromEntries(Object.keys(definitions).sort().map((key) => [key, definitions[key] as SchemaDescription]));
  return out;
}

/** The engine protocol's description. */
export function describeEngineProtocol(): ProtocolDescription {
  return describeProtocol(engineCommands, engineEvents, { version: engineProtocolVersion, errorClasses, runStates });
}

/** Differences between an older and a newer description. */
export interface Compatibility {
  /** Changes that break existing clients or engines. */
  incompatible: string[];
  /** Compatible additions (refresh the golden file to record them). */
  additions: string[];
}

type Direction = 'input' | 'output';

/** Compares `current` against the recorded `golden` description. */
export function compareProtocols(golden: ProtocolDescription, current: ProtocolDescription): Compatibility {
  const result: Compatibility = { incompatible: [], additions: [] };
  const resolve = (description: SchemaDescription, definitions: Record<string, SchemaDescription>, seen: Set<string>): SchemaDescription => {
    let node = description;
    while (node.type === 'ref') {
      if (seen.has(node.name)) return { type: 'any' };
      seen.add(node.name);
      node = definitions[node.name] ?? { type: 'any' };
    }
    return node;
  };
  const compare = (old: SchemaDescription, now: SchemaDescription, where: string, direction: Direction, seen: Set<string>): void => {
    const a = resolve(old, golden.definitions, new Set(seen));
    const b = resolve(now, current.definitions, new Set(seen));
    if (a.type !== b.type) {
      if (a.type === 'any' && direction === 'input') return;
      result.incompatible.push(`${where}: type changed from ${a.type} to ${b.type}`);
      return;
    }
    switch (a.type) {
      case 'string': {
        const bs = b as typeof a;
        if (a.values) {
          const removed = bs.values ? a.values.filter((value) => !bs.values?.includes(value)) : [];
          if (removed.length) result.incompatible.push(`${where}: values removed: ${removed.join(', ')}`);
          const added = bs.values ? bs.values.filter((value) => !a.values?.includes(value)) : [];
          if (added.length) result.additions.push(`${where}: values added: ${added.join(', ')}`);
        } else if (bs.values && direction === 'input') result.incompatible.push(`${where}: now limited to ${bs.values.join(', ')}`);
        if (direction === 'input' && (bs.maxLength ?? Infinity) < (a.maxLength ?? Infinity)) result.incompatible.push(`${where}: maxLength lowered`);
        if (direction === 'input' && (bs.minLength ?? 0) > (a.minLength ?? 0)) result.incompatible.push(`${where}: minLength raised`);
        return;
      }
      case 'integer':
      case 'number': {
        const bn = b as typeof a;
        if (direction === 'input' && ((bn.min ?? -Infinity) > (a.min ?? -Infinity) || (bn.max ?? Infinity) < (a.max ?? Infinity))) {
          result.incompatible.push(`${where}: range narrowed`);
        }
        return;
      }
      case 'array': {
        const ba = b as typeof a;
        if (direction === 'input' && (ba.maxItems ?? Infinity) < (a.maxItems ?? Infinity)) result.incompatible.push(`${where}: maxItems lowered`);
        compare(a.items, ba.items, `${where}[]`, direction, seen);
        return;
      }
      case 'record':
        compare(a.values, (b as typeof a).values, `${where}.*`, direction, seen);
        return;
      case 'union': {
        const bu = b as typeof a;
        if (a.tag !== bu.tag) result.incompatible.push(`${where}: tag changed from ${a.tag} to ${bu.tag}`);
        for (const [name, variant] of Object.entries(a.variants)) {
          const next = bu.variants[name];
          if (!next) result.incompatible.push(`${where}: variant ${name} removed`);
          else compare(variant, next, `${where}<${name}>`, direction, seen);
        }
        for (const name of Object.keys(bu.variants)) if (!a.variants[name]) result.additions.push(`${where}: variant ${name} added`);
        return;
      }
      case 'object': {
        const bo = b as typeof a;
        for (const [name, field] of Object.entries(a.fields)) {
          const next = bo.fields[name];
          if (!next) {
            result.incompatible.push(`${where}.${name}: field removed`);
            continue;
          }
          if (direction === 'input' && field.optional && !next.optional) result.incompatible.push(`${where}.${name}: now required`);
          if (direction === 'output' && !field.optional && next.optional) result.incompatible.push(`${where}.${name}: no longer always present`);
          compare(field.schema, next.schema, `${where}.${name}`, direction, seen);
        }
        for (const [name, field] of Object.entries(bo.fields)) {
          if (a.fields[name]) continue;
          if (direction === 'input' && !field.optional) result.incompatible.push(`${where}.${name}: new required field`);
          else result.additions.push(`${where}.${name}: field added`);
        }
        return;
      }
      default:
        return;
    }
  };
  for (const [name, command] of Object.entries(golden.commands)) {
    const next = current.commands[name];
    if (!next) {
      result.incompatible.push(`command ${name} removed`);
      continue;
    }
    compare(command.args, next.args, `${name}(arguments)`, 'input', new Set());
    compare(command.returns, next.returns, `${name}(return)`, 'output', new Set());
  }
  for (const name of Object.keys(current.commands)) if (!golden.commands[name]) result.additions.push(`command ${name} added`);
  for (const [name, event] of Object.entries(golden.events)) {
    const next = current.events[name];
    if (!next) result.incompatible.push(`event ${name} removed`);
    else compare(event.data, next.data, `${name}(data)`, 'output', new Set());
  }
  for (const name of Object.keys(current.events)) if (!golden.events[name]) result.additions.push(`event ${name} added`);
  for (const [label, before, after] of [
    ['error class', golden.errorClasses, current.errorClasses],
    ['run state', golden.runStates, current.runStates],
  ] as const) {
    for (const value of before) if (!after.includes(value)) result.incompatible.push(`${label} ${value} removed`);
    for (const value of after) if (!before.includes(value)) result.additions.push(`${label} ${value} added`);
  }
  return result;
}

function typeText(schema: Schema): string {
  switch (schema.kind) {
    case 'string':
      return schema.values ? schema.values.map((value) => `"${value}"`).join(' \\| ') : 'string';
    case 'integer':
    case 'number': {
      const range = schema.min !== undefined || schema.max !== undefined ? ` (${schema.min ?? '…'}..${schema.max ?? '…'})` : '';
      return `${schema.kind}${range}`;
    }
    case 'array':
      return `array of ${typeText(schema.items)}`;
    case 'object':
      return Object.keys(schema.fields).length === 0 ? '{}' : `{ ${Object.entries(schema.fields).map(([name, field]) => `${name}${field.optional ? '?' : ''}: ${typeText(field.schema)}`).join(', ')} }`;
    case 'union':
      return `one of ${Object.keys(schema.variants).map((name) => `{${schema.tag}: "${name}", …}`).join(' \\| ')}`;
    case 'record':
      return `map of ${typeText(schema.values)}`;
    case 'named':
      return `[${schema.name}](#${schema.name.toLowerCase()})`;
    default:
      return schema.kind;
  }
}

/** A Markdown field table of an object schema (or its type in one line), recording named types met. */
export function fieldTable(schema: Schema, named: Map<string, Schema>): string[] {
  collectNamed(schema, named);
  if (schema.kind !== 'object' || Object.keys(schema.fields).length === 0) return [`${typeText(schema)}`, ''];
  const lines = ['| Field | Type | Required | Description |', '| --- | --- | --- | --- |'];
  for (const [name, field] of Object.entries(schema.fields)) {
    const doc = (field.doc ?? field.schema.doc ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| \`${name}\` | ${typeText(field.schema)} | ${field.optional ? 'no' : 'yes'} | ${doc}${field.since ? ` (since ${field.since})` : ''} |`);
  }
  lines.push('');
  return lines;
}

function collectNamed(schema: Schema, named: Map<string, Schema>): void {
  switch (schema.kind) {
    case 'named':
      if (!named.has(schema.name)) {
        named.set(schema.name, schema);
        collectNamed(schema.target, named);
      }
      return;
    case 'array':
      collectNamed(schema.items, named);
      return;
    case 'record':
      collectNamed(schema.values, named);
      return;
    case 'object':
      for (const field of Object.values(schema.fields)) collectNamed(field.schema, named);
      return;
    case 'union':
      for (const variant of Object.values(schema.variants)) collectNamed(variant, named);
      return;
    default:
      return;
  }
}

/** Renders the engine protocol reference (docs/protocol/engine.md). */
export function renderEngineReference(): string {
  const named = new Map<string, Schema>();
  const lines: string[] = [
    '# Engine protocol reference',
    '',
    '<!-- Generated by scripts/generate-protocol-docs.ts from src/shared/protocol; do not edit. -->',
    '',
    `Protocol version ${engineProtocolVersion}. The wire is QMP's (docs/architecture.md §4): a greeting \`{"QMP":{"version":…,"capabilities":[]}}\`,`,
    'then `qmp_capabilities`; requests `{"execute":NAME,"arguments":{…},"id":X}`; replies `{"return":…,"id":X}` or',
    '`{"error":{"class":C,"desc":D},"id":X}`; events `{"event":E,"data":{…},"timestamp":{"seconds":S,"microseconds":U}}`.',
    'Unknown argument fields are an error. Messages larger than 1 MiB or nested deeper than 1024 levels are refused (GenericError); as in QEMU, an ASCII control character other than tab/CR/LF, or a 0xFF byte, abandons incomplete input so the next command is answered.',
    '',
    '## Error classes',
    '',
    ...errorClasses.map((name) => `- \`${name}\``),
    '',
    '## Run states',
    '',
    runStates.map((name) => `\`${name}\``).join(', '),
    '',
    '## Commands',
    '',
  ];
  for (const name of Object.keys(engineCommands).sort()) {
    const command = engineCommands[name as keyof typeof engineCommands];
    lines.push(`### ${name}`, '', command.doc, '', `Since ${command.since}.`, '', '**Arguments**', '', ...fieldTable(command.args, named), '**Returns**', '', ...fieldTable(command.returns, named));
    const errors = (command as { errors?: readonly { class: string; when: string }[] }).errors;
    if (errors?.length) lines.push('**Errors**', '', ...errors.map((error) => `- \`${error.class}\` when ${error.when}`), '');
    const example = (command as { example?: { args?: unknown; returns?: unknown } }).example;
    if (example) {
      lines.push('**Example**', '', '```', `-> ${JSON.stringify({ execute: name, ...(example.args !== undefined ? { arguments: example.args } : {}) })}`);
      if (example.returns !== undefined) lines.push(`<- ${JSON.stringify({ return: example.returns })}`);
      lines.push('```', '');
    }
  }
  lines.push(...eventsAndTypesSections(engineEvents, named));
  return finishMarkdown(lines);
}

/**
 * The `## Events` and `## Types` sections of a protocol reference: every event's data, then
 * every named type met in the commands and events (`named`, filled by fieldTable).
 */
export function eventsAndTypesSections(events: EventTable, named: Map<string, Schema>): string[] {
  const lines = ['## Events', ''];
  for (const name of Object.keys(events).sort()) {
    const event = events[name];
    if (!event) continue;
    lines.push(`### ${name}`, '', event.doc, '', `Since ${event.since}.`, '', '**Data**', '', ...fieldTable(event.data, named));
  }
  lines.push('## Types', '');
  for (const [name, schema] of [...named.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const target = schema.kind === 'named' ? schema.target : schema;
    lines.push(`### ${name}`, '', ...(schema.doc ? [schema.doc, ''] : []));
    if (target.kind === 'union') {
      for (const [variant, body] of Object.entries(target.variants)) lines.push(`- \`${target.tag}: "${variant}"\`: ${typeText(body)}`);
      lines.push('');
    } else lines.push(...fieldTable(target, named));
  }
  return lines;
}

/** Joins reference lines into a Markdown file: single blank lines, one final newline. */
export function finishMarkdown(lines: readonly string[]): string {
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
