/**
 * What `npm run demo` prints at its end: how to point the CLI at the Temporal server, namespace and task queue the
 * demo used (they differ from the CLI's defaults: the dev server is on a free port and the demo's worker polls its
 * own task queue), as an env file to `source` and as ready-to-run commands. Pure, so it is unit-tested.
 */

/** The name of the env file the demo writes in the working directory (git-ignored). */
export const DEMO_ENV_FILE = '.oms-demo.env';

/** What the demo started and where. */
export interface DemoTarget {
  /** Temporal frontend, `host:port`. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** The migrations the demo ran, in order. */
  migrationIds: string[];
  /** The Web UI, when the demo started the dev server. */
  uiUrl?: string;
  /** `--keep`: the servers and the worker stay up after the demo. */
  keep: boolean;
  /**
   * Names of other connection variables of the demo's shell the CLI needs too (`TEMPORAL_API_KEY`,
   * `TEMPORAL_TLS_*`, `OMS_CODEC_*`...). Their values are secrets or paths to them, so they are named, never
   * written.
   */
  inheritedVariables?: string[];
}

/** The variables the CLI reads to reach what the demo started. */
export function demoEnv(target: DemoTarget): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    OMS_TASK_QUEUE: target.taskQueue,
  };
}

/** `value` as one POSIX-shell word (single quotes; a quote inside becomes `'\''`). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The env file's text: `export NAME=value` lines a POSIX shell can `source`. */
export function renderEnvFile(target: DemoTarget): string {
  const lines = [
    '# Written by `npm run demo -- --keep`: `source` it, then run the CLI against the demo (npm run cli -- ...).',
    ...Object.entries(demoEnv(target)).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The closing lines: the environment, the commands for each migration, and whether they work now (`--keep`) or
 * what to run so that they do.
 */
export function renderCliUsage(target: DemoTarget, envFilePath: string | undefined): string[] {
  const env = Object.entries(demoEnv(target)).map(([name, value]) => `${name}=${shellQuote(value)}`);
  const lines: string[] = [];
  if (target.keep) {
    lines.push('Use the CLI against this demo (in another terminal, from this directory):');
  } else {
    lines.push('This run has stopped its servers. Run `npm run demo -- --keep` to keep them up, then use the CLI so:');
  }
  if (envFilePath) lines.push(`  source ${shellQuote(envFilePath)}    # or: export ${env.join(' ')}`);
  else lines.push(`  export ${env.join(' ')}`);
  if (target.inheritedVariables?.length) {
    lines.push(`  # and the same ${target.inheritedVariables.join(', ')} as the shell that ran the demo`);
  }
  for (const id of target.migrationIds) {
    const quoted = shellQuote(id);
    lines.push(
      `  npm run cli -- status ${quoted}`,
      `  npm run cli -- watch ${quoted}`,
      `  npm run cli -- report ${quoted}`,
    );
  }
  if (target.uiUrl) lines.push(`Web UI: ${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/workflows`);
  return lines;
}
