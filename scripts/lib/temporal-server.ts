/**
 * Provisions the real Temporal server (all services in one process), its SQL schema tool and the Web UI server,
 * without downloading binaries: pinned `go install` builds from the official source on the Go module proxy,
 * cached outside the checkout under the same cache root as the Temporal CLI (temporal-cli.ts). The versions come
 * from deploy/versions.json, which docker-compose.yml follows (a unit test holds them together).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import versions from '../../deploy/versions.json';
import { cacheRoot, goInstall, goProblem, MIN_GO, withBuildLock } from './go-build';

const execFileAsync = promisify(execFile);

/** The Temporal server release the cluster runs (and docker-compose.yml pins). */
export const TEMPORAL_SERVER_VERSION: string = versions.temporalServer;
/** The Temporal Web UI server release (and docker-compose.yml's `temporalio/ui` tag). */
export const TEMPORAL_UI_VERSION: string = versions.temporalUi;

const SERVER_PACKAGE = 'go.temporal.io/server/cmd/server';
const SQL_TOOL_PACKAGE = 'go.temporal.io/server/cmd/tools/sql';
const UI_PACKAGE = 'github.com/temporalio/ui-server/v2/cmd/server';

export interface TemporalServerBinaries {
  /** `temporal-server`: frontend, history, matching and worker services. */
  server: string;
  /** `temporal-sql-tool`: creates databases and applies the (embedded) versioned schemas. */
  sqlTool: string;
  /** The Web UI server with its assets embedded; absent when not requested. */
  ui?: string;
  /** Whether anything had to be built in this call. */
  built: boolean;
}

export interface EnsureServerOptions {
  /** Also provision the Web UI server (default true). */
  ui?: boolean;
  /** Progress messages (a cold build takes minutes; say so). */
  log?: (message: string) => void;
}

/** Where the pinned builds live. */
export function cachedServerPaths(): { server: string; sqlTool: string; ui: string } {
  const serverDir = path.join(cacheRoot(), 'temporal-server', TEMPORAL_SERVER_VERSION);
  return {
    server: path.join(serverDir, 'temporal-server'),
    sqlTool: path.join(serverDir, 'temporal-sql-tool'),
    ui: path.join(cacheRoot(), 'temporal-ui-server', TEMPORAL_UI_VERSION, 'ui-server'),
  };
}

/** Runs `<binary> --version` and checks that the output names `version`. */
async function runsAs(binary: string, version: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(binary, ['--version'], { timeout: 30_000 });
    return stdout.includes(version);
  } catch {
    return false;
  }
}

function installHelp(reason: string): Error {
  const paths = cachedServerPaths();
  return new Error(
    [
      `Cannot provision the Temporal server: ${reason}.`,
      `Install Go >= ${MIN_GO.join('.')} (https://go.dev/dl/, or your distribution's golang package if it is new`,
      'enough) and run again: the project builds the pinned programs from the official source itself, once:',
      `  CGO_ENABLED=0 go install ${SERVER_PACKAGE}@v${TEMPORAL_SERVER_VERSION}  -> ${paths.server}`,
      `  CGO_ENABLED=0 go install ${SQL_TOOL_PACKAGE}@v${TEMPORAL_SERVER_VERSION}  -> ${paths.sqlTool}`,
      `  CGO_ENABLED=0 go install ${UI_PACKAGE}@v${TEMPORAL_UI_VERSION}  -> ${paths.ui}`,
      'The development default (`npm run temporal`, the Temporal CLI dev server) does not need them.',
    ].join('\n'),
  );
}

/** Makes sure one pinned binary is in the cache, building it under its lock when missing. */
async function ensureBinary(
  spec: { label: string; goPackage: string; version: string; target: string },
  log: (m: string) => void,
): Promise<boolean> {
  if (fs.existsSync(spec.target) && (await runsAs(spec.target, spec.version))) return false;
  const problem = await goProblem();
  if (problem) throw installHelp(`${spec.label} is not in the cache (${spec.target}) and ${problem}`);
  return withBuildLock(`${spec.target}.lock`, spec.label, log, async () => {
    // Another process may have finished the build while we waited for the lock.
    if (fs.existsSync(spec.target) && (await runsAs(spec.target, spec.version))) return false;
    await goInstall({ ...spec, verify: (built) => runsAs(built, spec.version) }, log);
    return true;
  });
}

/**
 * Returns the cached Temporal server, SQL tool and (unless `ui: false`) Web UI server, building what is missing.
 * A cold build of the server takes about 11 minutes on 2 busy cores; the SQL tool and the UI server under a minute
 * once the server's dependencies are in Go's build cache.
 */
export async function ensureTemporalServer(options: EnsureServerOptions = {}): Promise<TemporalServerBinaries> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[temporal-server] ${m}\n`));
  const paths = cachedServerPaths();
  let built = await ensureBinary(
    {
      label: `the Temporal server v${TEMPORAL_SERVER_VERSION}`,
      goPackage: SERVER_PACKAGE,
      version: TEMPORAL_SERVER_VERSION,
      target: paths.server,
    },
    log,
  );
  built =
    (await ensureBinary(
      {
        label: `the Temporal SQL tool v${TEMPORAL_SERVER_VERSION}`,
        goPackage: SQL_TOOL_PACKAGE,
        version: TEMPORAL_SERVER_VERSION,
        target: paths.sqlTool,
      },
      log,
    )) || built;
  if (options.ui === false) return { server: paths.server, sqlTool: paths.sqlTool, built };
  built =
    (await ensureBinary(
      {
        label: `the Temporal Web UI server v${TEMPORAL_UI_VERSION}`,
        goPackage: UI_PACKAGE,
        version: TEMPORAL_UI_VERSION,
        target: paths.ui,
      },
      log,
    )) || built;
  return { ...paths, built };
}
