/**
 * The app API described as data (for its golden compatibility file) and as a Markdown
 * reference (docs/protocol/api.md), both derived from the definitions the core validates with.
 */
import type { Schema } from '../schema.js';
import type { ProtocolDescription } from '../reference.js';
import { describeProtocol } from '../reference.js';
import { apiCommands, apiErrorClasses, apiEvents, apiProtocolVersion } from './index.js';

/** Machine states the API reports (MachineView.state). */
export const apiMachineStates = ['stopped', 'starting', 'running', 'paused', 'shutdown', 'crashed', 'stopping'] as const;

/** The API's canonical description (compared against test/app/api-protocol.golden.json). */
export function describeApiProtocol(): ProtocolDescription {
  return describeProtocol(apiCommands, apiEvents, { version: apiProtocolVersion, errorClasses: apiErrorClasses, runStates: apiMachineStates });
}

function typeText(schema: Schema): string {
  switch (schema.kind) {
    case 'string':
      return schema.values ? schema.values.map((value) => `"${value}"`).join(' \\| ') : 'string';
    case 'integer':
    case 'number':
      return schema.min !== undefined || schema.max !== undefined ? `${schema.kind} (${schema.min ?? '…'}..${schema.max ?? '…'})` : schema.kind;
    case 'array':
      return `array of ${typeText(schema.items)}`;
    case 'object': {
      const fields = Object.entries(schema.fields);
      return fields.length === 0 ? '{}' : `{ ${fields.map(([name, field]) => `${name}${field.optional ? '?' : ''}: ${typeText(field.schema)}`).join(', ')} }`;
    }
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

/** Records every named schema reachable from `schema`. */
function collect(schema: Schema, named: Map<string, Schema>): void {
  if (schema.kind === 'named') {
    if (named.has(schema.name)) return;
    named.set(schema.name, schema);
    collect(schema.target, named);
  } else if (schema.kind === 'array') collect(schema.items, named);
  else if (schema.kind === 'record') collect(schema.values, named);
  else if (schema.kind === 'object') for (const field of Object.values(schema.fields)) collect(field.schema, named);
  else if (schema.kind === 'union') for (const variant of Object.values(schema.variants)) collect(variant, named);
}

function fields(schema: Schema, named: Map<string, Schema>): string[] {
  collect(schema, named);
  if (schema.kind !== 'object' || Object.keys(schema.fields).length === 0) return [typeText(schema), ''];
  const lines = ['| Field | Type | Required | Description |', '| --- | --- | --- | --- |'];
  for (const [name, field] of Object.entries(schema.fields)) {
    const doc = (field.doc ?? field.schema.doc ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| \`${name}\` | ${typeText(field.schema)} | ${field.optional ? 'no' : 'yes'} | ${doc}${field.since ? ` (since ${field.since})` : ''} |`);
  }
  lines.push('');
  return lines;
}

/** Renders docs/protocol/api.md. */
export function renderApiReference(): string {
  const named = new Map<string, Schema>();
  const lines: string[] = [
    '# App API reference',
    '',
    '<!-- Generated from src/shared/protocol/api by test/app/api-protocol.test.ts (HANGAR_UPDATE_API_DOCS=1); do not edit. -->',
    '',
    `API version ${apiProtocolVersion}. Shells (Electron IPC, the web shell's \`/api\` WebSocket, the control socket) send`,
    '`{"id":X,"call":NAME,"args":{…}}` and get `{"id":X,"result":{"ok":true,"value":…}}` or',
    '`{"id":X,"result":{"ok":false,"error":{"class":C,"desc":D}}}`; events arrive as `{"event":E,"data":{…}}`.',
    'Unknown argument fields are an error. Machines are named by id or by name.',
    '',
    '**Control socket.** The process holding the library (`hangar web`, the GUI, `hangar start NAME --headless`)',
    'serves the same messages on the UNIX socket `<library>/control.sock` (mode 0600), one JSON object per line.',
    '',
    '## Error classes',
    '',
    ...apiErrorClasses.map((name) => `- \`${name}\``),
    '',
    '## Machine states',
    '',
    apiMachineStates.map((name) => `\`${name}\``).join(', '),
    '',
    '## Commands',
    '',
  ];
  for (const name of Object.keys(apiCommands).sort()) {
    const command = apiCommands[name as keyof typeof apiCommands];
    lines.push(`### ${name}`, '', command.doc, '', `Since ${command.since}.`, '', '**Arguments**', '', ...fields(command.args, named), '**Returns**', '', ...fields(command.returns, named));
    const errors = (command as { errors?: readonly { class: string; when: string }[] }).errors;
    if (errors?.length) lines.push('**Errors**', '', ...errors.map((error) => `- \`${error.class}\` when ${error.when}`), '');
  }
  lines.push('## Events', '');
  for (const name of Object.keys(apiEvents).sort()) {
    const event = apiEvents[name as keyof typeof apiEvents];
    lines.push(`### ${name}`, '', event.doc, '', `Since ${event.since}.`, '', '**Data**', '', ...fields(event.data, named));
  }
  lines.push('## Types', '');
  for (const [name, schema] of [...named.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const target = schema.kind === 'named' ? schema.target : schema;
    lines.push(`### ${name}`, '', ...(schema.doc ? [schema.doc, ''] : []), ...fields(target, named));
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
