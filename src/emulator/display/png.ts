/** The PNG encoder lives in src/node (main encodes thumbnails with it too). */
export { crc32, encodePng, encodePpm } from '../../node/png.js';
