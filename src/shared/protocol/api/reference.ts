/**
 * The app API described as data (for its golden compatibility file) and as a Markdown
 * reference (docs/protocol/api.md), both derived from the definitions the core validates with.
 */
import type { Schema } from '../schema.js';
import type { ProtocolDescription } from '../reference.js';
import { describeProtocol, eventsAndTypesSections, fieldTable, finishMarkdown } from '../reference.js';
import { apiCommands, apiErrorClasses, apiEvents, apiProtocolVersion, machineStateNames } from './index.js';

/** The API's canonical description (compared against test/app/api-protocol.golden.json). */
export function describeApiProtocol(): ProtocolDescription {
  return describeProtocol(apiCommands, apiEvents, { version: apiProtocolVersion, errorClasses: apiErrorClasses, runStates: machineStateNames });
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
    machineStateNames.map((name) => `\`${name}\``).join(', '),
    '',
    '## Commands',
    '',
  ];
  for (const name of Object.keys(apiCommands).sort()) {
    const command = apiCommands[name as keyof typeof apiCommands];
    lines.push(`### ${name}`, '', command.doc, '', `Since ${command.since}.`, '', '**Arguments**', '', ...fieldTable(command.args, named), '**Returns**', '', ...fieldTable(command.returns, named));
    const errors = (command as { errors?: readonly { class: string; when: string }[] }).errors;
    if (errors?.length) lines.push('**Errors**', '', ...errors.map((error) => `- \`${error.class}\` when ${error.when}`), '');
  }
  lines.push(...eventsAndTypesSections(apiEvents, named));
  return finishMarkdown(lines);
}
