/** What the replay tests need to know about the recordings of scripts/capture-histories.ts. */

/** Workflow ids the recordings ran under, by file prefix: a batch derives its items' ids from its own id. */
const RECORDED_WORKFLOW_IDS: Readonly<Record<string, string>> = {
  batch: 'batch-continued',
  limiter: 'oms-limiter/cn-north-7/capture',
};

/** The workflow id a recording ran under (replay must use it where the workflow derives ids from it). */
export function recordedWorkflowId(file: string): string | undefined {
  return RECORDED_WORKFLOW_IDS[file.split('-')[0]!];
}
