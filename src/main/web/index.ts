/** The web shell (HTTP + WebSocket on loopback). */
export { startWebShell, defaultRendererDir, type WebShell, type WebShellOptions } from './web-shell.js';
