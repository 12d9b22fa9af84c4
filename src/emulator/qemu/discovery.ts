/** Finds qemu-system-x86_64 (src/node/qemu-binary.ts: main looks for it the same way). */
export { findQemuBinary } from '../../node/qemu-binary.js';
