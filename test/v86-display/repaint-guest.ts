/**
 * Guests that repaint the whole mode 13h screen in a loop, built with nasm at run time (tests and
 * benchmarks use them to measure display frames under heavy VGA traffic).
 */
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Guest-physical address of the 32-bit count of frames the guest has painted. */
export const FRAME_COUNTER_ADDRESS = 0x500;

/**
 * Writes a 1.44 MB boot floppy into `folder` and returns its path. The boot sector switches to
 * mode 13h and fills the 64,000-byte screen with one colour per frame (`rep stosb`), colour + 1
 * each frame, counting frames at FRAME_COUNTER_ADDRESS. `pause`: a short busy loop between frames
 * (`mov cx, 0x4000` / `loop`); without it frames follow back to back.
 */
export function repaintFloppy(folder: string, pause: boolean): string {
  const name = pause ? 'repaint-paused' : 'repaint-continuous';
  const source = join(folder, `${name}.asm`);
  const image = join(folder, `${name}.img`);
  writeFileSync(
    source,
    [
      'bits 16', 'org 0x7c00',
      'xor ax, ax', 'mov ds, ax', `mov dword [${FRAME_COUNTER_ADDRESS}], 0`,
      'mov ax, 0x13', 'int 0x10',
      'mov ax, 0xa000', 'mov es, ax', 'xor bx, bx',
      'frame:', 'inc bl', 'xor di, di', 'mov al, bl', 'mov cx, 64000', 'rep stosb',
      `inc dword [${FRAME_COUNTER_ADDRESS}]`,
      ...(pause ? ['mov cx, 0x4000', 'pause_loop:', 'loop pause_loop'] : []),
      'jmp frame',
      'times 510-($-$$) db 0', 'dw 0xaa55', '',
    ].join('\n'),
  );
  execFileSync('nasm', ['-f', 'bin', '-o', image, source]);
  truncateSync(image, 1474560);
  return image;
}
