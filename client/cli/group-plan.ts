/** The shape shared by the `batch …` and `schedule …` command planners. */
import type { Client } from '@temporalio/client';

import type { Out } from './io';

/** The CLI options the group commands read. */
export interface GroupOptions {
  file?: string;
  id?: string;
  json?: boolean;
  watch?: boolean;
  cron?: string;
  every?: string;
  timezone?: string;
  overlap?: string;
  'catchup-window'?: string;
  'pause-on-failure'?: boolean;
  incremental?: boolean;
  paused?: boolean;
  note?: string;
  start?: string;
  end?: string;
}

/** A parsed group command: a usage error (exit 2, nothing contacted), or the action to run once connected. */
export type GroupPlan = { usage: string } | { run: (client: Client, taskQueue: string, out: Out) => Promise<number> };
