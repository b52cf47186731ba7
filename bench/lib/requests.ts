/** Migration requests and emulator configuration shared by the scenarios and the soak. */
import { DEFAULT_EMULATOR_CONFIG, type BucketConfig, type EmulatorConfigOverrides } from '../../emulator';
import { MIGRATION_REQUEST_SPEC } from '../../workflows/shared/request-spec';
import type { MigrationRequest, OrchestrationOptions } from '../../workflows/request-types';

export const REGION = DEFAULT_EMULATOR_CONFIG.region;
export const MIB = 2 ** 20;

/** A bucket holding `count` generated objects of `size` bytes: `${prefix}0.dat`, `${prefix}1.dat`, … */
export function generatedBucket(name: string, count: number, size: number, prefix = 'obj-'): BucketConfig {
  return { name, generate: { count, size, prefix, suffix: '.dat' } };
}

/** The keys {@link generatedBucket} generates (zero-padded to the width of `count - 1`). */
export function generatedKeys(count: number, prefix = 'obj-'): string[] {
  const width = String(Math.max(0, count - 1)).length;
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, '0')}.dat`);
}

/**
 * Emulator configuration for load: the default fixtures plus `buckets`, creation and waiting quotas out of the
 * way (a benchmark measures the orchestrator, not OMS's quotas), and a request log large enough for `logSize`.
 */
export function benchEmulatorConfig(buckets: BucketConfig[], logSize = 10_000): EmulatorConfigOverrides {
  return {
    buckets: [...DEFAULT_EMULATOR_CONFIG.buckets, ...buckets],
    quotas: { createsPerWindow: 1e9, maxWaitingTasks: 1e9 },
    requestLogSize: logSize,
  };
}

/**
 * Whether the request contract has the region-limiter options (`orchestration.max_running_per_region`), checked
 * at run time so the bench also runs against a contract without them. The single-migration scenarios turn the
 * limiter off when it exists, because they measure one migration's own costs; the emulator's running cap plays
 * OMS's limit.
 */
export function regionLimiterKnown(): boolean {
  const spec = MIGRATION_REQUEST_SPEC.fields.orchestration;
  return spec?.kind === 'object' && Object.hasOwn(spec.fields, 'max_running_per_region');
}

/** `orchestration` with the region limiter off, when the contract has it. */
export function withoutLimiter(orchestration: OrchestrationOptions): OrchestrationOptions {
  if (!regionLimiterKnown()) return orchestration;
  const off: Record<string, number> = { max_running_per_region: 0, daily_create_quota: 0 };
  return Object.assign({}, off, orchestration);
}

/** An object migration of `keys` from `bucket` to `api-test-outline` under `savePrefix`. */
export function objectRequest(
  bucket: string,
  keys: string[],
  savePrefix: string,
  orchestration: OrchestrationOptions,
  limiter = false,
): MigrationRequest {
  return {
    task_type: 'object',
    src_node: { region: REGION, credential_profile: 'src', bucket, cloud_type: 'HuaweiCloud', object_key: keys },
    dst_node: { region: REGION, credential_profile: 'dst', bucket: 'api-test-outline', save_prefix: savePrefix },
    enable_failed_object_recording: true,
    enable_kms: false,
    enable_restore: false,
    orchestration: limiter ? orchestration : withoutLimiter(orchestration),
  };
}

/** A migration of the whole `demo-failures` bucket: 15 objects succeed, 5 (`bad/**`) fail, status 4: the outcome is `completed_with_failures`. */
export function failingRequest(savePrefix: string, orchestration: OrchestrationOptions): MigrationRequest {
  return {
    task_type: 'prefix',
    src_node: {
      region: REGION,
      credential_profile: 'src',
      bucket: 'demo-failures',
      cloud_type: 'HuaweiCloud',
      object_key: [''],
    },
    dst_node: { region: REGION, credential_profile: 'dst', bucket: 'api-test-outline', save_prefix: savePrefix },
    enable_failed_object_recording: true,
    orchestration: withoutLimiter(orchestration),
  };
}
