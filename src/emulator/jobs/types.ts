/** Job state names, from the protocol's JobStatus. */
import type { jobStatuses } from '../../shared/protocol/engine/index.js';

export type JobStatusName = (typeof jobStatuses)[number];
