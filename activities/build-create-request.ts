/**
 * Turns a validated migration request into OMS's CreateTask body: credential profile names become the keys they
 * stand for (resolved here, on the worker), and the idempotency marker is appended to the description. The
 * result contains secrets: it goes to the OMS client and nowhere else.
 */
import { createHash } from 'node:crypto';

import type { NormalizedMigrationRequest } from '../workflows/request-types';
import type { ActivityContext } from './context';
import type { CreateTaskReq, DstNodeReq, SourceCdnReq, SrcNodeReq } from './oms/wire-types';

/** Prefix of the marker that ties an OMS task to its migration (workflow id). */
export const MARKER_PREFIX = 'oms-orch:';

/**
 * The deterministic marker for a migration id: a hash, because workflow ids may contain characters OMS forbids
 * in descriptions (`^ < > & " '`) and may be long. 33 characters; the validator reserves 40.
 */
export function idempotencyMarker(migrationId: string): string {
  return `${MARKER_PREFIX}${createHash('sha256').update(migrationId).digest('hex').slice(0, 24)}`;
}

/** Whether an OMS task description carries the marker. */
export function hasMarker(description: string | undefined, marker: string): boolean {
  return (description ?? '').split(/\s+/).includes(marker);
}

/** The CreateTask body for `req`, with secrets resolved from the worker's profiles. */
export function buildCreateTaskRequest(
  ctx: ActivityContext,
  req: NormalizedMigrationRequest,
  marker: string,
): CreateTaskReq {
  // `orchestration` and `notification` are the orchestrator's own; OMS never sees them.
  const {
    orchestration: _orchestration,
    notification: _notification,
    src_node,
    dst_node,
    source_cdn,
    description,
    ...rest
  } = req;

  const { credential_profile: srcProfile, ...srcRest } = src_node;
  const src: SrcNodeReq = { ...srcRest, object_key: src_node.object_key ? [...src_node.object_key] : undefined };
  if (src.object_key === undefined) delete src.object_key;
  if (req.task_type !== 'url_list' && srcProfile) {
    const p = ctx.requireProfile(srcProfile, ['ak', 'sk'], 'source node');
    src.ak = p.ak;
    src.sk = p.sk;
    if (p.securityToken) src.security_token = p.securityToken;
  }

  const { credential_profile: dstProfile, ...dstRest } = dst_node;
  const d = ctx.requireProfile(dstProfile, ['ak', 'sk'], 'destination node');
  const dst: DstNodeReq = { ...dstRest, ak: d.ak!, sk: d.sk! };
  if (d.securityToken) dst.security_token = d.securityToken;

  const body: CreateTaskReq = {
    ...rest,
    bandwidth_policy: rest.bandwidth_policy ? rest.bandwidth_policy.map((w) => ({ ...w })) : undefined,
    smn_config: rest.smn_config
      ? { ...rest.smn_config, trigger_conditions: [...rest.smn_config.trigger_conditions] }
      : undefined,
    src_node: src,
    dst_node: dst,
    description: description ? `${description} ${marker}` : marker,
  };
  if (body.bandwidth_policy === undefined) delete body.bandwidth_policy;
  if (body.smn_config === undefined) delete body.smn_config;

  if (source_cdn) {
    const { credential_profile: cdnProfile, ...cdnRest } = source_cdn;
    const cdn: SourceCdnReq = { ...cdnRest, authentication_type: source_cdn.authentication_type ?? 'NONE' };
    if (cdnProfile) {
      cdn.authentication_key = ctx.requireProfile(
        cdnProfile,
        ['cdnAuthenticationKey'],
        'CDN authentication',
      ).cdnAuthenticationKey;
    }
    body.source_cdn = cdn;
  }
  return body;
}
