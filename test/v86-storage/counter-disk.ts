/**
 * A boot sector (nasm, assembled at test time) that increments a counter byte in sector 2
 * (LBA 1) of its boot drive through the BIOS on every key press and shows it as "N=xx." at the
 * top left of the screen ("ERR." when the BIOS reports an error).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const COUNTER_SECTOR = `
org 0x7c00
bits 16
start:
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov [drive], dl
again:
  xor ax, ax
  mov es, ax
  mov ax, 0x0201          ; read sector 2 (LBA 1) to 0:8000
  mov cx, 0x0002
  xor dh, dh
  mov dl, [drive]
  mov bx, 0x8000
  int 0x13
  jc fail
  inc byte [0x8000]
  mov ax, 0x0301          ; write it back
  mov cx, 0x0002
  xor dh, dh
  mov dl, [drive]
  mov bx, 0x8000
  int 0x13
  jc fail
  mov ax, 0xb800
  mov es, ax
  mov byte [es:0], 'N'
  mov byte [es:2], '='
  mov al, [0x8000]
  shr al, 4
  call hex
  mov [es:4], al
  mov al, [0x8000]
  and al, 0x0f
  call hex
  mov [es:6], al
  mov byte [es:8], '.'
  xor ah, ah              ; wait for a key
  int 0x16
  jmp again
fail:
  mov ax, 0xb800
  mov es, ax
  mov byte [es:0], 'E'
  mov byte [es:2], 'R'
  mov byte [es:4], 'R'
  mov byte [es:8], '.'
  xor ah, ah
  int 0x16
  jmp again
hex:
  add al, '0'
  cmp al, '9'
  jbe .done
  add al, 7
.done:
  ret
drive: db 0
times 510-($-$$) db 0
dw 0xaa55
`;

/** Builds an image of `size` bytes in `dir` whose first sector is COUNTER_SECTOR; returns its path. */
export function buildCounterImage(dir: string, name: string, size: number): string {
  writeFileSync(join(dir, 'counter.asm'), COUNTER_SECTOR);
  execFileSync('nasm', ['-f', 'bin', '-o', join(dir, 'counter.bin'), join(dir, 'counter.asm')]);
  const image = Buffer.alloc(size);
  readFileSync(join(dir, 'counter.bin')).copy(image, 0);
  const path = join(dir, name);
  writeFileSync(path, image);
  return path;
}
