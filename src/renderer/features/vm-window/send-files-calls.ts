/**
 * The calls behind "Send files…" for one machine: dropped files uploaded in chunks (a browser
 * has no host paths; Electron's renderer is sandboxed the same way), then one vm.send-files with
 * the typed host paths and the upload, with progress for both phases. No DOM, no Node: the
 * uploader is tested against a real app core in Node (test/app/send-files.test.ts).
 */
import type { ApiClient } from '../../../shared/protocol/api/client.js';
import type { ApiResult } from '../../../shared/protocol/api/index.js';

/** The typed API call (HangarClient's `call`, or the core's own in tests). */
export type ApiCall = ApiClient['call'];

/** Bytes per upload call: well under the API's message limit once base64-encoded, small enough for smooth progress. */
export const UPLOAD_CHUNK_BYTES = 512 * 1024;

/** A dropped file (a DOM File has all of this). */
export interface DroppedFile {
  readonly name: string;
  readonly size: number;
  slice(start: number, end: number): Blob;
}

/** Which drive: auto (the CD drive when there is one), the CD drive, or the floppy drive. */
export type SendTarget = 'auto' | 'cd0' | 'fd0';

/** Where a send is: uploading dropped files, then building the image. */
export type SendPhase = 'upload' | 'build';

/** What a send did. */
export interface SendOutcome {
  readonly slot: 'cd0' | 'fd0';
  readonly files: number;
  readonly bytes: number;
  readonly image: string;
  /** The medium it replaced (vm.restore-medium puts it back). */
  readonly replaced?: string;
}

/** The sent medium in a drive, and what putting it back would restore. */
export interface SentMedium {
  readonly active: boolean;
  readonly slot?: 'cd0' | 'fd0';
  readonly previous?: string;
}

/** What the dialog asks for one machine. */
export interface SendFilesApi {
  send(request: { paths: readonly string[]; files: readonly DroppedFile[]; target: SendTarget; onProgress?: (phase: SendPhase, fraction: number) => void; signal?: AbortSignal }): Promise<ApiResult<SendOutcome>>;
  sentMedium(): Promise<ApiResult<SentMedium>>;
  restore(): Promise<ApiResult<{ slot: 'cd0' | 'fd0'; restored?: string }>>;
}

/** Base64 of bytes, in pieces (one String.fromCharCode call per 32 KiB keeps clear of argument limits). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}

/**
 * Uploads `files` in chunks to one new upload of the machine; resolves with its id (undefined
 * when there are no files). A failure cancels the upload (its staging folder goes) and is returned.
 */
export async function uploadFiles(
  call: ApiCall,
  machineId: string,
  files: readonly DroppedFile[],
  options: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {},
): Promise<ApiResult<string | undefined>> {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let uploadId: string | undefined;
  let sent = 0;
  const fail = async (error: { class: string; desc: string }): Promise<ApiResult<string | undefined>> => {
    if (uploadId !== undefined) await call('vm.upload-cancel', { id: machineId, uploadId });
    return { ok: false, error } as ApiResult<string | undefined>;
  };
  for (const file of files) {
    // An empty file still needs one (empty) chunk to exist in the upload.
    for (let offset = 0; offset === 0 || offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
      if (options.signal?.aborted) return fail({ class: 'Conflict', desc: 'The upload was cancelled.' });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await file.slice(offset, Math.min(file.size, offset + UPLOAD_CHUNK_BYTES)).arrayBuffer());
      } catch (error) {
        return fail({ class: 'InvalidArgument', desc: `${file.name} cannot be read (${error instanceof Error ? error.message : String(error)}); folders cannot be dropped, give their path instead.` });
      }
      const result = await call('vm.upload-file', { id: machineId, ...(uploadId !== undefined ? { uploadId } : {}), name: file.name, offset, data: toBase64(bytes) });
      if (!result.ok) return fail(result.error);
      uploadId = result.value.uploadId;
      sent += bytes.byteLength;
      options.onProgress?.(total === 0 ? 1 : sent / total);
      if (file.size === 0) break;
    }
  }
  return { ok: true, value: uploadId };
}

/** Building an image of many files on a loaded machine can take minutes. */
const SEND_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The send-files calls of one machine. `onProgress` is the client's PROGRESS subscription
 * (the image build reports there as operation "send-files").
 */
export function sendFilesCalls(
  call: ApiCall,
  onProgress: (listener: (progress: { machineId?: string; operation: string; fraction: number; done: boolean }) => void) => () => void,
  machineId: string,
): SendFilesApi {
  return {
    async send({ paths, files, target, onProgress: report, signal }) {
      const uploaded = await uploadFiles(call, machineId, files, { ...(report ? { onProgress: (fraction: number) => report('upload', fraction) } : {}), ...(signal ? { signal } : {}) });
      if (!uploaded.ok) return uploaded;
      const stop = onProgress((progress) => {
        if (progress.machineId === machineId && progress.operation === 'send-files' && !progress.done) report?.('build', progress.fraction);
      });
      try {
        const uploadId = uploaded.value;
        return await call('vm.send-files', { id: machineId, paths: [...paths], target, ...(uploadId !== undefined ? { uploadId } : {}) }, SEND_TIMEOUT_MS);
      } finally {
        stop();
      }
    },
    sentMedium: () => call('vm.sent-medium', { id: machineId }),
    restore: () => call('vm.restore-medium', { id: machineId }),
  };
}

/** Host paths typed or pasted one per line (blank lines and surrounding quotes dropped). */
export function parsePathList(text: string): string[] {
  return text
    .split(/\r?\n/u)
    .map((line) => line.trim().replace(/^(['"])(.*)\1$/u, '$2'))
    .filter((line) => line.length > 0);
}
