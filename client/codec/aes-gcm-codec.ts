/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM. It follows the conventions of Temporal's
 * encryption samples: the encoded payload has metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`,
 * and its data is `iv (12 random bytes) ‖ ciphertext ‖ auth tag (16 bytes)` of the whole original payload
 * (protobuf-encoded, so its own metadata is encrypted too).
 *
 * Rotation: new payloads use the key ring's active key; older payloads decrypt with whichever key their id names.
 * Payloads that are not `binary/encrypted` pass through decode unchanged, so histories recorded before encryption
 * was turned on still replay and read.
 */
import crypto from 'node:crypto';

import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import type { KeyRing } from './key-ring';

/** `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key a payload was encrypted with. */
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload could not be decrypted: unknown key id, missing metadata, or a failed authentication check. */
export class PayloadDecryptionError extends Error {
  constructor(
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/** AES-256-GCM payload codec over a {@link KeyRing}. */
export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {
    if (!ring.keys.has(ring.activeKeyId)) throw new Error('The active key id is not in the key ring');
  }

  /** The key id new payloads are encrypted with. */
  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.activeKeyId;
    const key = this.ring.keys.get(keyId)!;
    return Promise.resolve(
      payloads.map((payload) => {
        const iv = crypto.randomBytes(IV_BYTES);
        const cipher = crypto.createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: {
            [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
            [METADATA_ENCRYPTION_KEY_ID]: Buffer.from(keyId),
          },
          data: sealed,
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    // A throw in the executor rejects the promise (no payload is returned when any of them fails).
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decodeOne(payload))));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (encoding === undefined || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[METADATA_ENCRYPTION_KEY_ID];
    if (idBytes === undefined) {
      throw new PayloadDecryptionError(`Encrypted payload without "${METADATA_ENCRYPTION_KEY_ID}" metadata`);
    }
    const keyId = printable(Buffer.from(idBytes).toString());
    const key = this.ring.keys.get(keyId);
    if (key === undefined) {
      throw new PayloadDecryptionError(
        `Payload encrypted with key id "${keyId}", which is not configured here (key ids: ` +
          `${[...this.ring.keys.keys()].join(', ')}); add that key to OMS_CODEC_KEYS or OMS_CODEC_KEYS_FILE`,
        keyId,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`Payload encrypted with key id "${keyId}" is truncated`, keyId);
    }
    let plain: Buffer;
    try {
      const decipher = crypto.createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `Payload encrypted with key id "${keyId}" failed authentication: it was altered, or encrypted with ` +
          'another key under the same id',
        keyId,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** A key id from a payload, made safe to quote in an error (it is not secret, but it is untrusted input). */
function printable(id: string): string {
  const clean = id.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}
