/**
 * The component-test page: mounts one component at a time on demand and exposes handles on
 * `window.hangarTest` for playwright-core tests (test/ui). Not part of the app.
 */
import { createRef } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import type { DisplayMessage } from '../../shared/protocol/display.js';
import { DisplayView } from '../features/display/DisplayView.js';
import type { DisplayViewHandle } from '../features/display/DisplayView.js';
import type { GuestInputEvent, ScalingMode } from '../features/display/types.js';
import { RecordingSink, SyntheticSource } from './synthetic-source.js';
import { mountFixture } from './fixtures.js';
import { hangarBench } from './bench.js';

/** What tests can reach from page.evaluate. */
export interface HangarTestApi {
  mountDisplay(options: { scaling: ScalingMode; width: number; height: number }): void;
  push(messages: DisplayMessage[]): void;
  inputEvents(): GuestInputEvent[];
  clearInput(): void;
  display(): DisplayViewHandle | null;
  mount(fixture: string, options?: unknown): void;
  /** Mounts a VM window fed by the page's synthetic source and recording sink. */
  mountVmWindow(options?: { clipboard?: string; typingDelayMs?: number }): void;
  /** RGBA of a guest pixel from the canvas backing store. */
  pixel(x: number, y: number): number[];
  /** Backing size, drawn CSS size, CSS cursor and capture state of the display. */
  canvasInfo(): { width: number; height: number; cssWidth: number; cssHeight: number; left: number; top: number; cursor: string; captured: boolean };
  readonly ready: true;
}

declare global {
  interface Window {
    hangarTest: HangarTestApi;
    hangarBench: typeof hangarBench;
  }
}

const container = document.getElementById('root');
if (!container) throw new Error('The test page has no #root element.');
let root: Root | undefined;
let source = new SyntheticSource();
let sink = new RecordingSink();
const displayRef = createRef<DisplayViewHandle>();

function fresh(): Root {
  root?.unmount();
  root = createRoot(container as HTMLElement);
  return root;
}

window.hangarBench = hangarBench;
window.hangarTest = {
  ready: true,
  mountDisplay({ scaling, width, height }) {
    source = new SyntheticSource();
    sink = new RecordingSink();
    const target = fresh();
    flushSync(() =>
      target.render(
        <div style={{ width, height }} data-testid="display-box">
          <DisplayView ref={displayRef} source={source} sink={sink} scaling={scaling} label="Test screen" />
        </div>,
      ),
    );
  },
  push(messages) {
    source.push(...messages);
  },
  inputEvents: () => [...sink.events],
  clearInput() {
    sink.events.length = 0;
  },
  display: () => displayRef.current,
  pixel(x, y) {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="guest-canvas"]');
    const context = canvas?.getContext('2d');
    if (!context) throw new Error('No display is mounted.');
    return [...context.getImageData(x, y, 1, 1).data];
  },
  canvasInfo() {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="guest-canvas"]');
    if (!canvas) throw new Error('No display is mounted.');
    const rect = canvas.getBoundingClientRect();
    const box = canvas.closest('[role="application"]');
    return {
      width: canvas.width,
      height: canvas.height,
      cssWidth: rect.width,
      cssHeight: rect.height,
      left: rect.left,
      top: rect.top,
      cursor: canvas.style.cursor,
      captured: box?.getAttribute('data-captured') === 'true',
    };
  },
  mountVmWindow(options = {}) {
    source = new SyntheticSource();
    sink = new RecordingSink();
    const target = fresh();
    flushSync(() => mountFixture(target, 'vm-window', { ...options, source, sink }));
  },
  mount(fixture, options) {
    const target = fresh();
    flushSync(() => mountFixture(target, fixture, options));
  },
};
