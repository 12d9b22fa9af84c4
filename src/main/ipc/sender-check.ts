/**
 * Who may use the IPC handlers: only the top frame of a window this app created, showing an app
 * page. Anything else (another web contents, a subframe, a page that navigated away) is refused
 * before its arguments are even looked at.
 */
import { isAppUrl } from '../windows/app-origin.js';

/** The parts of an IPC event the check reads. */
export interface SenderInfo {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** Why the sender is refused, or undefined when it is trusted. */
export function refuseSender(event: SenderInfo, isOurWebContents: (id: number) => boolean): string | undefined {
  if (!isOurWebContents(event.sender.id)) return 'the request did not come from a Hangar window';
  const frame = event.senderFrame;
  if (!frame) return 'the requesting frame is gone';
  if (frame.parent !== null) return 'only the top frame of a Hangar window may use the app API';
  if (!isAppUrl(frame.url)) return `the requesting page (${frame.url || 'no URL'}) is not part of Hangar`;
  return undefined;
}

/** The error an untrusted sender's invoke rejects with. */
export class SenderRefused extends Error {
  constructor(channel: string, reason: string) {
    super(`Refused ${channel}: ${reason}.`);
    this.name = 'SenderRefused';
  }
}
