/**
 * Payload encryption for every Temporal connection of the project (worker, client library, CLI, scripts, tests):
 * one call turns the environment into the data converter to pass as `dataConverter` to `Worker.create` and
 * `new Client`. Both functions are pure: they read only the `env` given (default `process.env`) and the key file
 * it names.
 *
 * Variables: `OMS_CODEC_KEYS` (`id:base64key,id:base64key`) or `OMS_CODEC_KEYS_FILE`, and optionally
 * `OMS_CODEC_ACTIVE_KEY_ID` (default: the last key listed). Without keys, encryption is off.
 */
import type { DataConverter } from '@temporalio/common';

import { AesGcmCodec } from './aes-gcm-codec';
import { loadKeyRing } from './key-ring';

export { AesGcmCodec, ENCRYPTED_ENCODING, METADATA_ENCRYPTION_KEY_ID, PayloadDecryptionError } from './aes-gcm-codec';
export { CODEC_ENV, CodecConfigError, KEY_BYTES, loadKeyRing, type KeyRing } from './key-ring';

type Env = Record<string, string | undefined>;

/** What {@link describeCodec} reports: safe to log (key ids only, never keys). */
export interface CodecDescription {
  encryption: 'off' | 'aes-256-gcm';
  keyIds: string[];
  activeKeyId?: string;
}

/**
 * The data converter that encrypts payloads with the configured keys, or undefined when no keys are configured
 * (payloads stay plain JSON). Every connection that reads or writes the same workflows must use the same keys.
 * @throws CodecConfigError (with `problems` naming each variable) when the configuration is invalid.
 */
export function dataConverterFromEnv(env: Env = process.env): DataConverter | undefined {
  const ring = loadKeyRing(env);
  return ring ? { payloadCodecs: [new AesGcmCodec(ring)] } : undefined;
}

/**
 * The encryption settings for a start-up log line: whether payloads are encrypted, the key ids and the active one.
 * @throws CodecConfigError when the configuration is invalid (as {@link dataConverterFromEnv}).
 */
export function describeCodec(env: Env = process.env): CodecDescription {
  const ring = loadKeyRing(env);
  if (!ring) return { encryption: 'off', keyIds: [] };
  return { encryption: 'aes-256-gcm', keyIds: [...ring.keys.keys()], activeKeyId: ring.activeKeyId };
}
