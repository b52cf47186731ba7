/**
 * The OMS + IAM emulator as a library: `startEmulator()` starts one on a loopback port and returns its URL,
 * effective configuration, an admin client and `stop()`. See emulator/README.md.
 */
import { AdminClient } from './admin-client';
import type { EmulatorConfig, EmulatorConfigOverrides } from './config';
import { resolveConfig } from './config';
import { listen } from './server';
import { EmulatorState } from './state';

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** TCP port; 0 (default) = a free port. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (loopback). */
  host?: string;
  /** Overrides deep-merged over {@link DEFAULT_EMULATOR_CONFIG} (a `Partial<EmulatorConfig>` works too). */
  config?: EmulatorConfigOverrides;
  /** Data directory for persistence; in-memory only when omitted. */
  dataDir?: string;
  /**
   * Simulated ms per wall ms; overrides `config.simulation.timeScale`. 0 = manual clock: simulated time moves only
   * by `admin.setClock({ advanceMs })`.
   */
  timeScale?: number;
  /** Receives unexpected internal errors (default: stderr). */
  onError?: (err: unknown) => void;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (IAM, OMS and `/__admin` share it). */
  url: string;
  port: number;
  /** The effective configuration (admin settings update it in place). */
  config: EmulatorConfig;
  admin: AdminClient;
  /** Stops the server, freezes the simulated clock and writes the final snapshot. Idempotent. */
  stop(): Promise<void>;
}

/** Starts an emulator. */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const config = resolveConfig(options.config);
  if (options.timeScale !== undefined) {
    if (!(options.timeScale >= 0 && Number.isFinite(options.timeScale))) throw new Error('timeScale must be >= 0');
    config.simulation.timeScale = options.timeScale;
  }
  const state = new EmulatorState(config, options.dataDir);
  const server = await listen(state, {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    onError: options.onError,
  });
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    config,
    admin: new AdminClient(server.url),
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        await state.close();
      })()),
  };
}

export { AdminClient, AdminRequestError } from './admin-client';
export type {
  AdminBucket,
  AdminClock,
  AdminObject,
  AdminPutObject,
  AdminSettings,
  AdminStats,
  AdminTaskCounters,
  AdminTaskView,
  AdminTasksResponse,
} from './admin-types';
export { DEFAULT_EMULATOR_CONFIG, resolveConfig } from './config';
export type {
  AccessKeyConfig,
  BucketConfig,
  EmulatorConfig,
  EmulatorConfigOverrides,
  FailureRule,
  GeneratorSpec,
  IamDomainConfig,
  ObjectFixture,
} from './config';
export type { FaultKind, FaultRule, FaultRuleCommon, FaultRuleInput } from './faults';
export type { HeldRequest } from './held-requests';
export type { RequestLogEntry, RouteCounters } from './request-log';
export { ROUTE_NAMES } from './routes';
export type { RouteName } from './routes';
