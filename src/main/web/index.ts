/** The web shell (HTTP + WebSocket on loopback). */
export { startWebShell, defaultRendererDir, type WebShell, type WebShellOptions } from './web-shell.js';
export { apiMessageLimitBytes } from './api-socket.js';
export { displayMessageLimitBytes } from './display-socket.js';
