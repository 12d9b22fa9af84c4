/**
 * The guest display: a canvas fed by a DisplaySource, scaled to its box, with keyboard and
 * pointer capture feeding an InputSink. Click to capture; the host key releases. In text mode,
 * dragging while not captured selects a block of cells to copy as text.
 */
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import type { CSSProperties } from 'react';
import { DisplaySurface } from './display-surface.js';
import type { SurfaceMode } from './display-surface.js';
import { DEFAULT_HOST_KEY, KeyboardCapture } from './keyboard.js';
import { absoluteMoveEvents, buttonEvent, relativeMoveEvents, wheelEvents } from './pointer.js';
import { computeLayout, imageRendering } from './scaling.js';
import type { CellRegion } from './text-selection.js';
import type { DisplaySource, GuestInputEvent, InputSink, ScalingMode } from './types.js';

/** Props of the display view. */
export interface DisplayViewProps {
  readonly source: DisplaySource;
  readonly sink: InputSink;
  readonly scaling: ScalingMode;
  /** KeyboardEvent.code of the host key; Right Ctrl by default. */
  readonly hostKey?: string;
  /** Called when capture starts or ends (for the status bar). */
  readonly onCaptureChange?: (captured: boolean) => void;
  /** Called when the screen mode changes (for the status bar and window title). */
  readonly onModeChange?: (mode: SurfaceMode) => void;
  /** Accessible name of the display, e.g. "Screen of Debian". */
  readonly label?: string;
}

/** What the owner of a DisplayView can do with it (menus: copy, screenshot, full screen). */
export interface DisplayViewHandle {
  readonly surface: DisplaySurface | undefined;
  /** Text of the current selection ('' when none). */
  selectionText(): string;
  /** The whole text screen as text. */
  screenText(): string;
  /** Toggles full screen on the view's box. */
  toggleFullScreen(): Promise<void>;
  /** Releases keyboard and pointer capture. */
  release(): void;
  /** Sends events straight to the guest (key combos from a menu). */
  send(events: GuestInputEvent[]): void;
}

// The screen is centred by its auto margins, not by justify/align-content: those centre an
// overflowing screen too, pushing its left and top edges out of reach of the scroll bars.
const boxStyle: CSSProperties = {
  position: 'relative',
  width: '100%',
  height: '100%',
  display: 'flex',
  overflow: 'auto',
  background: '#000',
  outline: 'none',
};

/** The display view component. */
export const DisplayView = forwardRef<DisplayViewHandle, DisplayViewProps>(function DisplayView(props, ref) {
  const { source, sink, scaling, hostKey = DEFAULT_HOST_KEY, onCaptureChange, onModeChange, label = 'Guest screen' } = props;
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const surfaceRef = useRef<DisplaySurface | undefined>(undefined);
  const [mode, setMode] = useState<SurfaceMode>({ mode: 'off' });
  const [cursorCss, setCursorCss] = useState<string | undefined>(undefined);
  const [absolute, setAbsolute] = useState(false);
  const [captured, setCaptured] = useState(false);
  const [box, setBox] = useState({ width: 0, height: 0, dpr: 1 });
  const [selection, setSelection] = useState<CellRegion | undefined>(undefined);
  const dragRef = useRef<{ row: number; col: number; moved: boolean } | undefined>(undefined);
  const capturedRef = useRef(false);
  const sinkRef = useRef(sink);
  sinkRef.current = sink;
  const keyboardRef = useRef<KeyboardCapture | undefined>(undefined);

  const setCapture = useCallback(
    (on: boolean) => {
      if (capturedRef.current === on) return;
      capturedRef.current = on;
      setCaptured(on);
      if (!on) {
        keyboardRef.current?.releaseAll();
        if (document.pointerLockElement === canvasRef.current) document.exitPointerLock();
      }
      onCaptureChange?.(on);
    },
    [onCaptureChange],
  );

  if (!keyboardRef.current) keyboardRef.current = new KeyboardCapture((events) => sinkRef.current.send(events), () => setCapture(false), hostKey);
  keyboardRef.current.hostKey = hostKey;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return undefined;
    const surface = new DisplaySurface(canvas, {
      onModeChange: (next) => {
        setMode(next);
        setSelection(undefined);
        onModeChange?.(next);
      },
      onCursorChange: setCursorCss,
    });
    surfaceRef.current = surface;
    const unsubscribe = source.subscribe((message) => {
      if (message.type === 'pointer-mode') setAbsolute(message.absolute);
      surface.apply(message);
    });
    return () => {
      unsubscribe();
      surface.dispose();
      surfaceRef.current = undefined;
    };
    // onModeChange is a notification; re-subscribing for a new callback identity would redraw from nothing.
  }, [source]);

  useEffect(() => {
    const element = boxRef.current;
    if (!element) return undefined;
    const measure = (): void => setBox({ width: element.clientWidth, height: element.clientHeight, dpr: window.devicePixelRatio || 1 });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    const media = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    media.addEventListener('change', measure);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', measure);
    };
  }, []);

  useEffect(() => {
    const onLockChange = (): void => {
      if (document.pointerLockElement !== canvasRef.current && capturedRef.current && !absolute) setCapture(false);
    };
    document.addEventListener('pointerlockchange', onLockChange);
    return () => document.removeEventListener('pointerlockchange', onLockChange);
  }, [absolute, setCapture]);

  const guest = mode.mode === 'off' ? { width: 0, height: 0 } : { width: mode.width, height: mode.height };
  const layout = computeLayout({ mode: scaling, guestWidth: guest.width, guestHeight: guest.height, boxWidth: box.width, boxHeight: box.height, devicePixelRatio: box.dpr });

  // Set on the element itself: the surface sets `pixelated` on the canvas when it is created,
  // after React has applied its style, so React's own value would not be re-applied.
  const rendering = imageRendering(layout);
  useEffect(() => {
    if (canvasRef.current) canvasRef.current.style.imageRendering = rendering;
  }, [rendering, source]);

  const cellAt = (clientX: number, clientY: number): { row: number; col: number } | undefined => {
    const canvas = canvasRef.current;
    if (!canvas || mode.mode !== 'text') return undefined;
    const rect = canvas.getBoundingClientRect();
    const col = Math.floor(((clientX - rect.left) / rect.width) * mode.cols);
    const row = Math.floor(((clientY - rect.top) / rect.height) * mode.rows);
    return { row: Math.max(0, Math.min(mode.rows - 1, row)), col: Math.max(0, Math.min(mode.cols - 1, col)) };
  };

  const startCapture = (): void => {
    setSelection(undefined);
    setCapture(true);
    boxRef.current?.focus();
    if (!absolute) void canvasRef.current?.requestPointerLock?.()?.catch?.(() => undefined);
  };

  const onPointerDown = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    if (!capturedRef.current) {
      const cell = cellAt(event.clientX, event.clientY);
      if (cell && event.button === 0) {
        dragRef.current = { ...cell, moved: false };
        event.currentTarget.setPointerCapture(event.pointerId);
        return;
      }
      if (event.button === 0) startCapture();
      return;
    }
    event.preventDefault();
    const input = buttonEvent(event.button, true);
    if (input) sink.send([...pointerMove(event), input]);
  };

  const onPointerUp = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    const drag = dragRef.current;
    if (drag) {
      dragRef.current = undefined;
      if (!drag.moved) startCapture();
      return;
    }
    if (!capturedRef.current) return;
    const input = buttonEvent(event.button, false);
    if (input) sink.send([input]);
  };

  const pointerMove = (event: React.PointerEvent<HTMLCanvasElement>): GuestInputEvent[] => {
    const canvas = canvasRef.current;
    if (!canvas) return [];
    if (absolute) {
      const rect = canvas.getBoundingClientRect();
      return absoluteMoveEvents(event.clientX - rect.left, event.clientY - rect.top, rect.width, rect.height, guest.width, guest.height);
    }
    return [];
  };

  const onPointerMove = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    const drag = dragRef.current;
    if (drag) {
      const cell = cellAt(event.clientX, event.clientY);
      if (cell && (cell.row !== drag.row || cell.col !== drag.col || drag.moved)) {
        drag.moved = true;
        setSelection({ row0: drag.row, col0: drag.col, row1: cell.row, col1: cell.col });
      }
      return;
    }
    if (!capturedRef.current) return;
    const events = absolute ? pointerMove(event) : relativeMoveEvents(event.movementX, event.movementY);
    if (events.length > 0) sink.send(events);
  };

  const onWheel = (event: React.WheelEvent<HTMLCanvasElement>): void => {
    if (!capturedRef.current) return;
    const events = wheelEvents(event.deltaX, event.deltaY);
    if (events.length > 0) sink.send(events);
  };

  const onKey = (event: React.KeyboardEvent<HTMLDivElement>, down: boolean): void => {
    if (!capturedRef.current) return;
    if (keyboardRef.current?.handle(event.nativeEvent.code, down, event.repeat)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  useImperativeHandle(ref, () => ({
    get surface() {
      return surfaceRef.current;
    },
    selectionText: () => (selection && surfaceRef.current ? surfaceRef.current.textOf(selection) : ''),
    screenText: () => surfaceRef.current?.text() ?? '',
    toggleFullScreen: async () => {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await boxRef.current?.requestFullscreen();
    },
    release: () => setCapture(false),
    send: (events) => sink.send(events),
  }));

  const cell = mode.mode === 'text' ? { width: layout.cssWidth / mode.cols, height: layout.cssHeight / mode.rows } : undefined;
  const canvasCursor = captured ? (cursorCss ?? (absolute ? 'default' : 'none')) : mode.mode === 'text' ? 'text' : 'default';

  return (
    <div
      ref={boxRef}
      style={boxStyle}
      tabIndex={0}
      role="application"
      aria-label={label}
      data-captured={captured ? 'true' : 'false'}
      onKeyDown={(event) => onKey(event, true)}
      onKeyUp={(event) => onKey(event, false)}
      onBlur={() => keyboardRef.current?.releaseAll()}
    >
      <div style={{ position: 'relative', width: layout.cssWidth, height: layout.cssHeight, flex: 'none', margin: 'auto' }}>
        <canvas
          ref={canvasRef}
          data-testid="guest-canvas"
          style={{ width: layout.cssWidth, height: layout.cssHeight, imageRendering: rendering, display: 'block', cursor: canvasCursor }}
          onPointerDown={onPointerDown}
          onPointerUp={onPointerUp}
          onPointerMove={onPointerMove}
          onWheel={onWheel}
          onContextMenu={(event) => capturedRef.current && event.preventDefault()}
        />
        {selection && cell && (
          <div
            data-testid="text-selection"
            style={{
              position: 'absolute',
              pointerEvents: 'none',
              left: Math.min(selection.col0, selection.col1) * cell.width,
              top: Math.min(selection.row0, selection.row1) * cell.height,
              width: (Math.abs(selection.col1 - selection.col0) + 1) * cell.width,
              height: (Math.abs(selection.row1 - selection.row0) + 1) * cell.height,
              background: 'rgba(80, 140, 255, 0.35)',
              outline: '1px solid rgba(120, 170, 255, 0.9)',
            }}
          />
        )}
      </div>
    </div>
  );
});
