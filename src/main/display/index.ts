/** Display plumbing shared by the Electron and web shells (docs/architecture.md §4). */
export { ScreenCache } from './screen-cache.js';
export { DisplayFeed, DisplayFeeds, defaultMaxBehindBytes, viewerRequest } from './display-feed.js';
export type { DisplaySource, FeedViewer, ViewerLink } from './display-feed.js';
export { screenImage, screenThumbnail } from './screen-thumbnail.js';
