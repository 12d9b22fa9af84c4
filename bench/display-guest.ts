/**
 * The display benchmark's guest: a boot sector that sets a Bochs VBE linear-framebuffer mode
 * (W × H × 32 bpp; QEMU std VGA and v86 both have it; the framebuffer address is read from the
 * VGA card's PCI BAR0) and repaints the whole screen forever with alternating patterns. The top
 * left 64×64 block's colour is the number of frames drawn (0x00RRGGBB), so a viewer's paints and
 * the guest's own progress can both be read from pixels; the 64×64 block right of it turns white
 * and black on each A key (scancode 0x1e, polled from the i8042); Space stops and restarts the
 * animation (a static screen for key→paint and idle cost). Assembled with nasm at bench time into
 * a temporary folder; never committed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const source = `
bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov dx, 0x1ce
  mov ax, 4
  out dx, ax
  inc dx
  xor ax, ax
  out dx, ax
  dec dx
  mov ax, 1
  out dx, ax
  inc dx
  mov ax, W
  out dx, ax
  dec dx
  mov ax, 2
  out dx, ax
  inc dx
  mov ax, H
  out dx, ax
  dec dx
  mov ax, 3
  out dx, ax
  inc dx
  mov ax, 32
  out dx, ax
  dec dx
  mov ax, 4
  out dx, ax
  inc dx
  mov ax, 0x41
  out dx, ax
  mov ebx, 0xE0000000
  mov ecx, 0x80000000
scan:
  mov eax, ecx
  or eax, 0x08
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  in eax, dx
  shr eax, 24
  cmp al, 3
  jne next
  mov eax, ecx
  or eax, 0x10
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  in eax, dx
  and eax, 0xFFFFFFF0
  mov ebx, eax
  jmp found
next:
  add ecx, 0x800
  cmp ecx, 0x80010000
  jb scan
found:
  in al, 0x92
  or al, 2
  out 0x92, al
  lgdt [gdt_desc]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm
bits 32
pm:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, 0x7c00
  mov esi, ebx          ; framebuffer
  xor ebp, ebp          ; frame counter
  xor ebx, ebx          ; bl: key flag, bh: 1 = static
  call keyblock
main:
  in al, 0x64
  test al, 1
  jz nokey
  mov ah, al
  in al, 0x60
  test ah, 0x20
  jnz nokey
  cmp al, 0x1e
  jne notA
  xor bl, 1
  call keyblock
  jmp nokey
notA:
  cmp al, 0x39
  jne nokey
  xor bh, 1
nokey:
  test bh, 1
  jnz main
  inc ebp
  imul eax, ebp, 0x9E3779B1
  test ebp, 1
  jz even
  not eax
even:
  mov edx, 0x00010307
  mov edi, esi
  push ebp
  xor ebp, ebp           ; row
row:
  mov ecx, W
  cmp ebp, 64
  jae full
  add edi, 128*4         ; the top band's first 128 columns hold the counter and key blocks
  sub ecx, 128
full:
  mov [edi], eax
  add edi, 4
  add eax, edx
  dec ecx
  jnz full
  inc ebp
  cmp ebp, H
  jb row
  pop ebp
  mov eax, ebp           ; counter block 64x64 at (0,0): colour 0x00RRGGBB = frame number
  and eax, 0xFFFFFF
  mov edi, esi
  mov edx, 64
crow:
  mov ecx, 64
  push edi
  rep stosd
  pop edi
  add edi, W*4
  dec edx
  jnz crow
  jmp main
keyblock:               ; 64x64 at (64,0): white when the flag is set, black otherwise
  push edi
  push ecx
  push edx
  push eax
  xor eax, eax
  test bl, 1
  jz kb
  mov eax, 0x00FFFFFF
kb:
  lea edi, [esi + 64*4]
  mov edx, 64
krow:
  mov ecx, 64
  push edi
  rep stosd
  pop edi
  add edi, W*4
  dec edx
  jnz krow
  pop eax
  pop edx
  pop ecx
  pop edi
  ret
gdt:
  dq 0
  dq 0x00CF9A000000FFFF
  dq 0x00CF92000000FFFF
gdt_desc:
  dw 23
  dd gdt
times 510-($-$$) db 0
dw 0xaa55
`;

/** Builds the guest for a `width` × `height` screen as a 1.44 MB floppy image in `folder`. */
export function displayGuestFloppy(folder: string, width: number, height: number): string {
  const asm = join(folder, `display-${width}x${height}.asm`);
  const image = join(folder, `display-${width}x${height}.img`);
  writeFileSync(asm, source, { mode: 0o600 });
  execFileSync('nasm', ['-f', 'bin', `-DW=${width}`, `-DH=${height}`, '-o', image, asm]);
  truncateSync(image, 1474560);
  return image;
}

/** Pixel (x, y) where the frame counter block starts, and the key block's centre. */
export const counterPixel = { x: 8, y: 8 } as const;
export const keyPixel = { x: 96, y: 32 } as const;

/** The guest's frame counter from a binary PPM screendump (P6, maxval 255). */
export function counterFromPpm(file: string): number {
  const data = readFileSync(file);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error(`${file} is not a binary PPM`);
  const width = Number(header[1]);
  const at = header[0].length + (counterPixel.y * width + counterPixel.x) * 3;
  return (data[at]! << 16) | (data[at + 1]! << 8) | data[at + 2]!;
}
