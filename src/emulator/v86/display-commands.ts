/**
 * Display commands: screendump (PNG or PPM, text mode rendered with the guest's font) and
 * query-screen-text.
 */
import { writeFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { ProtocolError } from '../backend.js';
import { encodePng, encodePpm } from '../display/png.js';
import type { V86Machine } from './machine.js';
import type { V86Screen } from './screen.js';

/** Installs screendump and query-screen-text for `screen`. */
export function installDisplayCommands(machine: V86Machine, screen: () => V86Screen): void {
  machine.addHandlers({
    screendump: async (args) => {
      if (!isAbsolute(args.filename)) {
        throw new ProtocolError('GenericError', `screendump needs an absolute file path, got "${args.filename}".`);
      }
      const image = screen().image();
      if (!image) throw new ProtocolError('GenericError', 'The guest screen is off (no mode set yet); there is nothing to dump.');
      const data = args.format === 'ppm' ? encodePpm(image.width, image.height, image.pixels) : encodePng(image.width, image.height, image.pixels);
      try {
        await writeFile(args.filename, data);
      } catch (error) {
        throw new ProtocolError('GenericError', `Could not write ${args.filename}: ${(error as Error).message}`);
      }
      return {};
    },
    'query-screen-text': () => screen().text(),
  });
}
