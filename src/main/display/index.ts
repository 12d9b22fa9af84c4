/** Display plumbing shared by the Electron and web shells. */
export { ScreenCache } from './screen-cache.js';
