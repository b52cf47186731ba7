/**
 * The worker environment (as `.env.example` documents it) for a running OMS/IAM emulator: one place that turns
 * the emulator's default account into `OMS_*` variables, for the demo, the history capture, the UI check, the
 * bench and the tests. The migration requests then only name the profiles "src" and "dst".
 */
import type { RunningEmulator } from '../../emulator';

/** Where the worker finds Temporal and which task queue it polls. */
export interface EmulatorWorkerTarget {
  temporalAddress: string;
  taskQueue: string;
  /** Set as `TEMPORAL_NAMESPACE` when given (otherwise the worker's default). */
  namespace?: string;
}

/**
 * Worker variables for `emulator`'s first domain, project, IAM user and access key: the `default` profile logs in
 * with the IAM password, `src` and `dst` use the access key. Plain http is allowed (the emulator speaks no TLS).
 */
export function emulatorWorkerEnv(emulator: RunningEmulator, target: EmulatorWorkerTarget): Record<string, string> {
  const domain = emulator.config.iam.domains[0]!;
  const key = emulator.config.accessKeys[0]!;
  return {
    TEMPORAL_ADDRESS: target.temporalAddress,
    ...(target.namespace !== undefined ? { TEMPORAL_NAMESPACE: target.namespace } : {}),
    OMS_TASK_QUEUE: target.taskQueue,
    OMS_ENDPOINT: emulator.url,
    OMS_ALLOW_INSECURE_HTTP: 'true', // the local emulator speaks plain http
    OMS_IAM_ENDPOINT: emulator.url,
    OMS_OBS_ENDPOINT: emulator.url, // the emulator serves OBS on the same port (path-style, by IP address)
    OMS_PROJECT_ID: domain.projects[0]!.id,
    OMS_PROFILE_DEFAULT_IAM_USER: domain.users[0]!.name,
    OMS_PROFILE_DEFAULT_IAM_PASSWORD: domain.users[0]!.password,
    OMS_PROFILE_DEFAULT_IAM_DOMAIN: domain.name,
    OMS_PROFILE_SRC_AK: key.ak,
    OMS_PROFILE_SRC_SK: key.sk,
    OMS_PROFILE_DST_AK: key.ak,
    OMS_PROFILE_DST_SK: key.sk,
  };
}

/** Every secret {@link emulatorWorkerEnv} hands the worker (for "never leaks" checks). */
export function emulatorWorkerSecrets(emulator: RunningEmulator): string[] {
  const key = emulator.config.accessKeys[0]!;
  return [emulator.config.iam.domains[0]!.users[0]!.password, key.ak, key.sk];
}
