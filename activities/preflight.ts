/**
 * The pre-flight dry run's checks (`preflightChecks`; docs/dry-run.md). One activity runs a list of named checks
 * against OMS, IAM and the region limiter with the worker's credentials, and creates nothing: the only OMS calls are
 * reads (ListApiVersions, ListTasks, ShowCloudType, ShowRegionInfo), and the only OBS calls too (HeadBucket,
 * ListObjects, HeadObject). Each check turns its own failures into a
 * `problem` with a reason, so the activity itself fails only on a programming error.
 *
 * Checks are entries of {@link PREFLIGHT_CHECKS}: `applies` says whether the request needs the check, `needsOms`
 * skips it when OMS cannot be used (endpoint or credentials failed), and `run` returns the verdict. The OBS checks
 * run with Huawei's OBS SDK (activities/preflight-obs.ts).
 */
import { activityInfo, cancellationSignal } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

import { limiterStatusQuery } from '../workflows/definitions';
import type {
  PreflightCheck,
  PreflightChecksInput,
  PreflightChecksOutput,
  PreflightDetail,
} from '../workflows/preflight-types';
import type { NormalizedMigrationRequest } from '../workflows/request-types';
import { limiterWorkflowId } from '../workflows/shared/region-limiter-logic';
import { TaskStatus } from '../workflows/task-status';
import type { ActivityContext } from './context';
import type { OmsClient } from './oms/client';
import {
  checkDestinationBucket,
  checkDestinationWritable,
  checkListFile,
  checkSourceBucket,
  estimateSourcePrefixes,
} from './preflight-obs';
import { OmsApiError } from './oms/errors';
import { IAM_TOKEN_OPERATION } from './oms/iam';
import { run } from './run-activity';

/** OMS refuses creations while this many tasks wait (OMS.0076; docs/oms-api.md §10). */
export const OMS_WAITING_TASK_LIMIT = 1_500;

/** The API version path every call of the orchestrator uses. */
const VERSION_PATH = '/v2';

/** The cloud type of Huawei Cloud OBS (the only documented destination); `HEC` is an older alias. */
const HUAWEI_CLOUD = 'HuaweiCloud';

/** A check's verdict without its name (the runner adds it). */
export type CheckVerdict = Omit<PreflightCheck, 'name'>;

/** What a check runs with. */
export interface CheckEnv {
  request: NormalizedMigrationRequest;
  ctx: ActivityContext;
  /** The OMS client of the request's API profile (built on first use; token mode fetches the token lazily). */
  oms: () => OmsClient;
  signal: AbortSignal;
  /** The worker's task queue: the region limiter the migration would use is keyed by it. */
  taskQueue: string;
  /** Verdicts of the checks that ran before, by name. */
  earlier: ReadonlyMap<string, PreflightCheck>;
}

/** One named pre-flight check. */
export interface PreflightCheckSpec {
  /** Stable kebab-case name (shown in the table and `--json`). */
  name: string;
  /** Whether the request needs this check at all (default: always). */
  applies?: (request: NormalizedMigrationRequest) => boolean;
  /** Skip with a reason when OMS cannot be used (the endpoint or the API credentials check did not pass). */
  needsOms?: boolean;
  run: (env: CheckEnv) => Promise<CheckVerdict>;
}

const problem = (reason: string, details?: Record<string, PreflightDetail>): CheckVerdict => ({
  status: 'problem',
  reason,
  ...(details ? { details } : {}),
});

const ok = (details?: Record<string, PreflightDetail>, reason?: string): CheckVerdict => ({
  status: 'ok',
  ...(reason ? { reason } : {}),
  ...(details ? { details } : {}),
});

/** A failed call in words: the client's message (already secret-free), with the API error code when there is one. */
export function describeError(err: unknown): string {
  if (OmsApiError.is(err)) {
    const code = err.apiErrorCode && !err.message.includes(err.apiErrorCode) ? ` [${err.apiErrorCode}]` : '';
    return `${err.message}${code}`;
  }
  // ApplicationFailures raised on the worker (CredentialsMissing) carry messages written to be persisted.
  if (err instanceof ApplicationFailure) return err.message;
  // Anything else may quote arbitrary text: name its kind only.
  return `unexpected ${err instanceof Error ? err.name : typeof err} (see the worker log)`;
}

/** True when `err` came from the IAM token call rather than from OMS. */
function isIamError(err: unknown): boolean {
  return OmsApiError.is(err) && err.operation === IAM_TOKEN_OPERATION;
}

/**
 * Whether an OMS error still proves the endpoint right: an authentication refusal (401/403) from the gateway in
 * front of OMS. Anything else — no answer, a 5xx, an unknown route (APIGW.0101: a wrong path or host) — does not.
 */
function refusedCredentials(err: unknown): boolean {
  return OmsApiError.is(err) && err.code === 'AUTH' && !isIamError(err);
}

/** Origin and path of a URL, without credentials, query or fragment (it may be shown to the operator). */
function shownEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}

const sameCloud = (a: string, b: string): boolean => {
  const norm = (x: string): string => (x.toLowerCase() === 'hec' ? HUAWEI_CLOUD.toLowerCase() : x.toLowerCase());
  return norm(a) === norm(b);
};

/** The source cloud as OMS reads the request (`Aliyun` when absent, OMS's documented default). */
function sourceCloud(request: NormalizedMigrationRequest): string {
  return request.src_node.cloud_type ?? 'Aliyun';
}

const isHuaweiSource = (r: NormalizedMigrationRequest): boolean => sameCloud(sourceCloud(r), HUAWEI_CLOUD);

// --- The checks ---

/** The source, destination and CDN profiles exist on this worker with the keys the create would need. */
const nodeProfiles: PreflightCheckSpec = {
  name: 'node-profiles',
  run: ({ request, ctx }) => {
    const checked: string[] = [];
    const src = request.src_node.credential_profile;
    // The same profile checks, with the same uses, as building the CreateTask body (build-create-request.ts).
    const needs: [string | undefined, readonly ('ak' | 'sk' | 'cdnAuthenticationKey')[], string][] = [
      [request.task_type === 'url_list' ? undefined : src, ['ak', 'sk'], 'source node'],
      [request.dst_node.credential_profile, ['ak', 'sk'], 'destination node'],
      [request.source_cdn?.credential_profile, ['cdnAuthenticationKey'], 'CDN authentication'],
    ];
    const problems: string[] = [];
    for (const [name, fields, use] of needs) {
      if (name === undefined) continue;
      try {
        ctx.requireProfile(name, fields, use);
        checked.push(use);
      } catch (err) {
        problems.push(describeError(err));
      }
    }
    const details = { checked };
    return Promise.resolve(problems.length > 0 ? problem(problems.join(' '), details) : ok(details));
  },
};

/** OMS answers at the configured endpoint and offers the API version the orchestrator speaks. */
const omsEndpoint: PreflightCheckSpec = {
  name: 'oms-endpoint',
  run: async ({ ctx, oms, signal }) => {
    const endpoint = shownEndpoint(ctx.deps.omsEndpoint);
    const base = { endpoint, version_path: VERSION_PATH };
    let versions;
    try {
      versions = (await oms().listApiVersions({ signal })).versions;
    } catch (err) {
      if (isIamError(err) || err instanceof ApplicationFailure) {
        return { status: 'skipped', reason: 'no credentials to call OMS with (see api-credentials)', details: base };
      }
      if (refusedCredentials(err)) {
        // OMS documents the version list as authenticated: an auth refusal still proves the endpoint is there.
        return ok(base, `OMS answered, but not with its version list: ${describeError(err)}`);
      }
      return problem(`OMS did not answer at ${endpoint}: ${describeError(err)}`, base);
    }
    const listed = versions.map((v) => `${String(v.id)} ${String(v.status ?? '')}`.trim());
    const v2 = versions.find((v) => v.id === 'v2');
    const details = { ...base, versions: listed };
    if (!v2) return problem(`OMS at ${endpoint} does not offer API version v2`, details);
    if (v2.status === 'DEPRECATED') return ok(details, 'OMS marks API version v2 as DEPRECATED');
    return ok(details);
  },
};

/** OMS accepts the API profile's credentials: an IAM token (token mode) or the AK/SK signature, on a cheap read. */
const apiCredentials: PreflightCheckSpec = {
  name: 'api-credentials',
  run: async ({ request, ctx, oms, signal, earlier }) => {
    const profile = request.orchestration.api_profile;
    const mode = ctx.deps.authMode;
    const details: Record<string, PreflightDetail> = { auth_mode: mode, api_profile: profile };
    try {
      if (mode === 'token') {
        ctx.requireProfile(profile, ['iamUser', 'iamPassword'], 'IAM token for the OMS API');
        await ctx.warmToken(profile, signal);
        details.iam_token = 'obtained';
      } else {
        ctx.requireProfile(profile, ['ak', 'sk'], 'AK/SK signing of OMS API calls');
      }
    } catch (err) {
      return problem(`${mode === 'token' ? 'No IAM token' : 'No AK/SK'}: ${describeError(err)}`, details);
    }
    if (earlier.get(omsEndpoint.name)?.status === 'problem') {
      return {
        status: 'skipped',
        reason: 'OMS did not answer (see oms-endpoint), so OMS could not judge them',
        details,
      };
    }
    try {
      // The cheapest authenticated, project-scoped read: one task at most.
      await oms().listTasks({ limit: 1 }, { signal });
      details.oms_accepted = true;
      return ok(details);
    } catch (err) {
      return problem(`OMS refused the API credentials: ${describeError(err)}`, details);
    }
  },
};

/** OMS migrates from the request's source cloud and into Huawei Cloud (ShowCloudType). */
const cloudTypes: PreflightCheckSpec = {
  name: 'cloud-types',
  needsOms: true,
  run: async ({ request, oms, signal }) => {
    const [src, dst] = [await oms().showCloudType('src', { signal }), await oms().showCloudType('dst', { signal })];
    const cloud = sourceCloud(request);
    const details = { src_cloud_type: cloud, src_supported: src, dst_supported: dst };
    const problems: string[] = [];
    if (!src.some((t) => sameCloud(t, cloud))) problems.push(`OMS does not migrate from cloud type "${cloud}"`);
    if (!dst.some((t) => sameCloud(t, HUAWEI_CLOUD))) problems.push(`OMS does not list ${HUAWEI_CLOUD} as destination`);
    return problems.length > 0 ? problem(problems.join('; '), details) : ok(details);
  },
};

/** OMS knows the source region (of the source cloud) and the destination region (of Huawei Cloud): ShowRegionInfo. */
const regions: PreflightCheckSpec = {
  name: 'regions',
  needsOms: true,
  run: async ({ request, oms, signal }) => {
    const services = await oms().showRegionInfo({ signal });
    const regionsOf = (cloud: string): string[] =>
      services.flatMap((s) => s.region_list.filter((r) => sameCloud(r.cloud_type, cloud)).map((r) => r.value));
    const cloud = sourceCloud(request);
    const details: Record<string, PreflightDetail> = { dst_region: request.dst_node.region };
    const problems: string[] = [];
    const dstRegions = regionsOf(HUAWEI_CLOUD);
    if (!dstRegions.includes(request.dst_node.region)) {
      problems.push(`destination region "${request.dst_node.region}" is not among OMS's ${HUAWEI_CLOUD} regions`);
    }
    const srcRegion = request.src_node.region;
    if (request.task_type !== 'url_list' && srcRegion !== undefined) {
      details.src_region = srcRegion;
      const srcRegions = regionsOf(cloud);
      // A cloud OMS lists no regions for (URL sources) is not judged here; cloud-types says whether it is supported.
      if (srcRegions.length > 0 && !srcRegions.includes(srcRegion)) {
        problems.push(`source region "${srcRegion}" is not among OMS's ${cloud} regions`);
      }
      if (srcRegions.length === 0) details.src_region_note = `OMS lists no regions for ${cloud}`;
    }
    return problems.length > 0 ? problem(problems.join('; '), details) : ok(details);
  },
};

/** The source bucket exists and the source profile may read it (Huawei OBS sources). */
const srcBucket: PreflightCheckSpec = { name: 'src-bucket', applies: isHuaweiSource, run: checkSourceBucket };

/** Objects and bytes under the prefixes, by listing up to a bound (Huawei OBS prefix sources). */
const prefixEstimate: PreflightCheckSpec = {
  name: 'prefix-estimate',
  applies: (r) => r.task_type === 'prefix' && isHuaweiSource(r),
  run: (env) => estimateSourcePrefixes(env),
};

/** The list files exist in the list bucket (list and URL-list tasks). */
const listFile: PreflightCheckSpec = {
  name: 'list-file',
  applies: (r) => r.src_node.list_file !== undefined,
  run: checkListFile,
};

/** The destination bucket exists and the destination profile may access it. */
const dstBucket: PreflightCheckSpec = { name: 'dst-bucket', run: checkDestinationBucket };

/** Whether the destination profile may write there: always `skipped`, OBS cannot tell without a write. */
const dstWritable: PreflightCheckSpec = { name: 'dst-writable', run: checkDestinationWritable };

/**
 * OMS's side of the quota: tasks running (2), pausing (7) and waiting (1) in the project's region. Creations in
 * the last 24 h are not readable from OMS (tasks carry no creation time, and deleted tasks still count): the
 * region-limiter check reports the orchestrator's own creations instead.
 */
const omsQuota: PreflightCheckSpec = {
  name: 'oms-quota',
  needsOms: true,
  run: async ({ request, oms, signal }) => {
    const count = async (status: number): Promise<number> =>
      (await oms().listTasks({ status, limit: 1 }, { signal })).count;
    const running = (await count(TaskStatus.EXECUTING)) + (await count(TaskStatus.PAUSING));
    const waiting = await count(TaskStatus.WAITING);
    const maxRunning = request.orchestration.max_running_per_region;
    const details = {
      running,
      waiting,
      max_running_per_region: maxRunning,
      waiting_limit: OMS_WAITING_TASK_LIMIT,
    };
    if (waiting >= OMS_WAITING_TASK_LIMIT) {
      return problem(`OMS has ${waiting} tasks waiting; it refuses new tasks from ${OMS_WAITING_TASK_LIMIT}`, details);
    }
    if (maxRunning > 0 && running >= maxRunning) {
      return problem(
        `OMS already runs ${running} tasks (max_running_per_region ${maxRunning}): a new task would wait for one to end`,
        details,
      );
    }
    return ok(details);
  },
};

/** The orchestrator's own limiter for the destination region on this task queue: free slots and creation quota. */
const regionLimiter: PreflightCheckSpec = {
  name: 'region-limiter',
  run: async ({ request, ctx, taskQueue }) => {
    const o = request.orchestration;
    const limiterId = limiterWorkflowId(request.dst_node.region, taskQueue);
    const base: Record<string, PreflightDetail> = {
      limiter_id: limiterId,
      max_running_per_region: o.max_running_per_region,
      daily_create_quota: o.daily_create_quota,
      create_quota_window_seconds: o.create_quota_window_seconds,
    };
    if (o.max_running_per_region === 0 && o.daily_create_quota === 0) {
      return { status: 'skipped', reason: 'the request disables the region limiter', details: base };
    }
    const client: Client | undefined = ctx.deps.temporalClient;
    if (!client) return { status: 'skipped', reason: 'this worker has no Temporal client', details: base };
    const handle = client.workflow.getHandle(limiterId);
    let status;
    try {
      const described = await handle.describe();
      // A closed limiter holds and remembers nothing (it completes only then): no query, which would need a replay.
      if (described.status.name !== 'RUNNING') return ok({ ...base, running: 0, waiting: 0, recent_creations: 0 });
      status = await handle.query(limiterStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return ok({ ...base, running: 0, waiting: 0, recent_creations: 0 });
      return problem(`could not read the region limiter: ${err instanceof Error ? err.name : 'error'}`, base);
    }
    const details = {
      ...base,
      running: status.running,
      waiting: status.waiting,
      recent_creations: status.recent_creations,
    };
    const problems: string[] = [];
    if (o.max_running_per_region > 0 && status.running >= o.max_running_per_region) {
      problems.push(
        `the limiter is full: ${status.running} of ${o.max_running_per_region} slots held` +
          (status.waiting > 0 ? `, ${status.waiting} waiting` : '') +
          '; a new migration would wait for a slot',
      );
    }
    if (o.daily_create_quota > 0 && status.recent_creations >= o.daily_create_quota) {
      problems.push(
        `the creation quota is used up: ${status.recent_creations} creations remembered, daily_create_quota ` +
          `${o.daily_create_quota}; a new migration would wait for the window to move`,
      );
    }
    return problems.length > 0 ? problem(problems.join('; '), details) : ok(details);
  },
};

/** Every check, in the order they run (a check may read the verdicts of those before it). */
export const PREFLIGHT_CHECKS: readonly PreflightCheckSpec[] = [
  nodeProfiles,
  omsEndpoint,
  apiCredentials,
  cloudTypes,
  regions,
  srcBucket,
  prefixEstimate,
  listFile,
  dstBucket,
  dstWritable,
  omsQuota,
  regionLimiter,
];

/** Checks whose failure makes OMS unusable for the checks after them. */
const OMS_GATES = [omsEndpoint.name, apiCredentials.name];

/**
 * Runs `checks` in order against `env` (without `earlier`). A check that throws is a `problem` with the error
 * described (never its raw text unless it is an API error, whose message is secret-free).
 */
export async function runChecks(
  checks: readonly PreflightCheckSpec[],
  env: Omit<CheckEnv, 'earlier'>,
): Promise<PreflightCheck[]> {
  const earlier = new Map<string, PreflightCheck>();
  for (const check of checks) {
    if (check.applies && !check.applies(env.request)) continue;
    let verdict: CheckVerdict;
    const gate = check.needsOms ? OMS_GATES.map((n) => earlier.get(n)).find((c) => c && c.status !== 'ok') : undefined;
    if (gate) {
      verdict = { status: 'skipped', reason: `OMS cannot be used (see ${gate.name})` };
    } else {
      try {
        verdict = await check.run({ ...env, earlier });
      } catch (err) {
        if (env.signal.aborted) throw err;
        verdict = problem(describeError(err));
      }
    }
    earlier.set(check.name, { name: check.name, ...verdict });
  }
  return [...earlier.values()];
}

/** Builds the pre-flight activity over a context (see activities/index.ts). */
export function preflightActivities(ctx: ActivityContext) {
  return {
    /**
     * Runs every applicable pre-flight check for `input.request` with the worker's credentials and returns their
     * verdicts and the API calls made. Creates nothing and changes nothing (reads only). Never returns a secret.
     */
    async preflightChecks(input: PreflightChecksInput): Promise<PreflightChecksOutput> {
      return run(async () => {
        const checks = await runChecks(PREFLIGHT_CHECKS, {
          request: input.request,
          ctx,
          oms: () => ctx.clientFor(input.request.orchestration.api_profile),
          signal: cancellationSignal(),
          taskQueue: activityInfo().taskQueue,
        });
        return { checks };
      });
    },
  };
}
