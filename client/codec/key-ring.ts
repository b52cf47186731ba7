/**
 * The payload encryption keys, read from the environment: `OMS_CODEC_KEYS` (`id:base64key,id:base64key`) or
 * `OMS_CODEC_KEYS_FILE` (a file holding that list, or JSON), and `OMS_CODEC_ACTIVE_KEY_ID`. Every problem is
 * reported together, named by its variable; no message ever contains key material (a malformed entry is named by
 * its position, and only well-formed key ids, which can never be a 32-byte key, are quoted).
 */
import fs from 'node:fs';

/** The variables the key ring is read from. */
export const CODEC_ENV = {
  keys: 'OMS_CODEC_KEYS',
  keysFile: 'OMS_CODEC_KEYS_FILE',
  activeKeyId: 'OMS_CODEC_ACTIVE_KEY_ID',
} as const;

/** AES-256: every key is exactly 32 bytes. */
export const KEY_BYTES = 32;

/**
 * Key ids travel in clear (payload metadata), so they must not be secret. 32 characters at most: a 32-byte key in
 * base64 has 43 or more, so a key pasted where an id belongs is never a valid id, and never quoted.
 */
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
const KEY_ID_RULE = '1-32 characters of A-Z a-z 0-9 . _ -';

/** The codec configuration is invalid; `problems` names the variable of each problem and never quotes a key. */
export class CodecConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid payload encryption configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CodecConfigError';
  }
}

/** The keys by id, and the one new payloads are encrypted with. */
export interface KeyRing {
  /** Keys in the order they were listed. */
  readonly keys: ReadonlyMap<string, Buffer>;
  /** The newest key: `OMS_CODEC_ACTIVE_KEY_ID`, else the file's `activeKeyId`, else the last key listed. */
  readonly activeKeyId: string;
}

type Env = Record<string, string | undefined>;

/**
 * Reads the key ring. Returns undefined when no keys are configured (encryption off).
 * @throws CodecConfigError listing every problem.
 */
export function loadKeyRing(env: Env = process.env): KeyRing | undefined {
  const problems: string[] = [];
  const inline = env[CODEC_ENV.keys]?.trim();
  const file = env[CODEC_ENV.keysFile]?.trim();
  const activeFromEnv = env[CODEC_ENV.activeKeyId]?.trim() || undefined;

  if (inline && file) {
    throw new CodecConfigError([`set only one of ${CODEC_ENV.keys} and ${CODEC_ENV.keysFile}`]);
  }
  if (!inline && !file) {
    if (activeFromEnv) {
      throw new CodecConfigError([
        `${CODEC_ENV.activeKeyId} is set, but no keys are configured (${CODEC_ENV.keys} or ${CODEC_ENV.keysFile})`,
      ]);
    }
    return undefined;
  }

  let entries: { id: string; key: string; where: string }[] = [];
  let activeFromFile: string | undefined;
  if (inline) {
    entries = parseKeyList(inline, CODEC_ENV.keys, problems);
  } else {
    const source = `${CODEC_ENV.keysFile} (${file})`;
    let text: string | undefined;
    try {
      text = fs.readFileSync(file!, 'utf8').trim();
    } catch (err) {
      problems.push(`${source} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (text !== undefined && text.startsWith('{')) {
      const parsed = parseKeyFileJson(text, source, problems);
      entries = parsed.entries;
      activeFromFile = parsed.activeKeyId;
    } else if (text !== undefined) {
      entries = parseKeyList(text, source, problems);
    }
  }

  const keys = new Map<string, Buffer>();
  for (const { id, key, where } of entries) {
    if (!KEY_ID_PATTERN.test(id)) {
      problems.push(`${where}: the key id must be ${KEY_ID_RULE}`);
      continue;
    }
    const bytes = decodeKey(key);
    if (bytes === undefined) {
      problems.push(`${where}: key "${id}" is not base64 (generate one with \`openssl rand -base64 32\`)`);
    } else if (bytes.length !== KEY_BYTES) {
      problems.push(
        `${where}: key "${id}" must be ${KEY_BYTES} bytes, base64-encoded (it has ${bytes.length}); ` +
          'generate one with `openssl rand -base64 32`',
      );
    } else if (keys.has(id)) {
      problems.push(`${where}: key id "${id}" is listed twice`);
    } else {
      keys.set(id, bytes);
    }
  }
  if (entries.length === 0 && problems.length === 0) {
    problems.push(`${inline ? CODEC_ENV.keys : CODEC_ENV.keysFile} lists no keys`);
  }

  const chosen = activeFromEnv ?? activeFromFile;
  const chosenFrom = activeFromEnv !== undefined ? CODEC_ENV.activeKeyId : `${CODEC_ENV.keysFile} activeKeyId`;
  let activeKeyId = [...keys.keys()].at(-1);
  if (chosen !== undefined) {
    if (!KEY_ID_PATTERN.test(chosen)) {
      problems.push(`${chosenFrom} must be a key id (${KEY_ID_RULE})`);
    } else if (!keys.has(chosen) && problems.length === 0) {
      problems.push(
        `${chosenFrom} names key "${chosen}", which is not configured (keys: ${[...keys.keys()].join(', ')})`,
      );
    }
    activeKeyId = chosen;
  }
  if (problems.length > 0) throw new CodecConfigError(problems);
  return { keys, activeKeyId: activeKeyId! };
}

/** `id:base64key` entries separated by commas or line breaks (blank entries are skipped). */
function parseKeyList(text: string, source: string, problems: string[]): { id: string; key: string; where: string }[] {
  const entries: { id: string; key: string; where: string }[] = [];
  const parts = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  parts.forEach((part, i) => {
    const where = `${source} entry ${i + 1}`;
    const colon = part.indexOf(':');
    if (colon <= 0) {
      problems.push(`${where} is not <key id>:<base64 key>`);
      return;
    }
    entries.push({ id: part.slice(0, colon).trim(), key: part.slice(colon + 1).trim(), where });
  });
  return entries;
}

/** `{"keys": [{"id": "2026-01", "key": "<base64>"}, …], "activeKeyId": "2026-01"}` (activeKeyId optional). */
function parseKeyFileJson(
  text: string,
  source: string,
  problems: string[],
): { entries: { id: string; key: string; where: string }[]; activeKeyId?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a key: never pass it on.
    problems.push(`${source} is not valid JSON`);
    return { entries: [] };
  }
  const shape = `${source} must be {"keys": [{"id": "…", "key": "<base64>"}, …], "activeKeyId"?: "…"}`;
  const obj = json as { keys?: unknown; activeKeyId?: unknown };
  if (!Array.isArray(obj.keys) || (obj.activeKeyId !== undefined && typeof obj.activeKeyId !== 'string')) {
    problems.push(shape);
    return { entries: [] };
  }
  const entries: { id: string; key: string; where: string }[] = [];
  obj.keys.forEach((item: unknown, i) => {
    const where = `${source} keys[${i}]`;
    const { id, key } = (item ?? {}) as { id?: unknown; key?: unknown };
    if (typeof id !== 'string' || typeof key !== 'string') {
      problems.push(`${where} must be {"id": "…", "key": "<base64>"}`);
      return;
    }
    entries.push({ id: id.trim(), key: key.trim(), where });
  });
  return { entries, activeKeyId: obj.activeKeyId?.trim() || undefined };
}

/** Strict base64 (standard or URL-safe alphabet, padding optional); undefined when it is not base64. */
function decodeKey(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) && !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  if (text.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}
