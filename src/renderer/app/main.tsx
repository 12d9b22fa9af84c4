/** Renderer entry point: connects the API client and mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectClient } from '../platform/client.js';
import { App } from './App.js';

const container = document.getElementById('root');
if (!container) throw new Error('The page has no #root element; the renderer cannot start.');
createRoot(container).render(
  <StrictMode>
    <App client={connectClient()} />
  </StrictMode>,
);
