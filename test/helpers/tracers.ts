/**
 * What the encryption tests share: names found nowhere else (so finding one in a database can only mean it was
 * stored in clear), an emulator with buckets of those names, the request that migrates them, and random keys.
 */
import crypto from 'node:crypto';

import { DEFAULT_EMULATOR_CONFIG, startEmulator, type RunningEmulator } from '../../emulator';
import type { MigrationRequest } from '../../workflows/request-types';
import type { Stack } from './stack';

/** Bucket names, an object key and a description, unique to one test run. */
export interface TracerNames {
  src: string;
  dst: string;
  key: string;
  description: string;
}

/** Tracer names with `prefix` (e.g. `secret`, `plain`) and a random tag. */
export function tracerNames(prefix: string, tag = crypto.randomBytes(4).toString('hex')): TracerNames {
  return {
    src: `${prefix}-src-${tag}`,
    dst: `${prefix}-dst-${tag}`,
    key: `${prefix}-object-${tag}.bin`,
    description: `${prefix.replace(/-/g, ' ')} description ${tag}`,
  };
}

/** An emulator (time scale 200) whose buckets include a source with one object and a destination per name set. */
export function startTracerEmulator(names: TracerNames[]): Promise<RunningEmulator> {
  return startEmulator({
    timeScale: 200,
    config: {
      buckets: [
        ...DEFAULT_EMULATOR_CONFIG.buckets,
        ...names.flatMap((n) => [{ name: n.src, objects: [{ key: n.key, size: 4096 }] }, { name: n.dst }]),
      ],
    },
  });
}

/** The stack's seed request, moved to the tracer buckets, object and description. */
export function tracerRequest(stack: Stack, names: TracerNames): MigrationRequest {
  const seed = stack.seedRequest();
  return {
    ...seed,
    description: names.description,
    src_node: { ...seed.src_node, bucket: names.src, object_key: [names.key] },
    dst_node: { ...seed.dst_node, bucket: names.dst },
  };
}

/** A random AES-256 key, base64 (the form OMS_CODEC_KEYS takes). */
export function randomCodecKey(): string {
  return crypto.randomBytes(32).toString('base64');
}

/** Every tracer string of a name set (what must, or must not, be found in a database). */
export function tracerValues(names: TracerNames): string[] {
  return [names.src, names.dst, names.key, names.description];
}
