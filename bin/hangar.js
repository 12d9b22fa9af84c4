#!/usr/bin/env node
// The `hangar` command. A thin dispatcher: TypeScript sources are loaded through tsx, so the
// command works from a checkout without a build step.
import { register } from 'tsx/esm/api';

// Everything this process creates (library files, sockets, disks made by qemu-img) is private
// to the user: 0600 files, 0700 folders. The library also sets explicit modes; this is the net.
process.umask(0o077);
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
