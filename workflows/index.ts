/** Workflow bundle entry: every workflow type the worker registers, listed by name. */
export { migrationWorkflow } from './migration';
export { batchMigrationWorkflow } from './batch';
export { regionLimiterWorkflow } from './region-limiter';
export { preflightWorkflow } from './preflight';
export { taskGroupMigrationWorkflow } from './task-group-migration';
