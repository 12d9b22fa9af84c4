#!/usr/bin/env node
// The `hangar` command. A thin dispatcher: TypeScript sources are loaded through tsx, so the
// command works from a checkout without a build step.
import { register } from 'tsx/esm/api';

register();
const [subcommand] = process.argv.slice(2);
if (subcommand === 'engine') {
  // Runs one engine in the foreground (debugging and scripting).
  const { runEngineCommand } = await import('../src/emulator/host/cli.ts');
  process.exitCode = await runEngineCommand(process.argv.slice(3));
} else {
  const { runCli } = await import('../src/main/cli/main.ts');
  process.exitCode = await runCli(process.argv.slice(2));
}
