/** Installs the Temporal runtime with a WARN-level logger in each integration test process (less noise). */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
