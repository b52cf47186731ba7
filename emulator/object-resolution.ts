/**
 * Resolving the objects of a run from the emulated buckets, per task type:
 *
 * - `object`: exact keys; a key ending in `/` is a whole folder; `""` is the whole bucket. A key that does not
 *   exist becomes a failed object (TRF.0012).
 * - `prefix`: every key under each prefix (`""` = whole bucket).
 * - `list`: a list file (`list_file.obs_bucket`/`list_file_key`, one source key per line, taken verbatim).
 * - `url_list`: list-file lines `<URL>\t<destination key>`; `http(s)://<bucket>.emulator/<url-encoded key>`
 *   resolves to an emulated object, any other URL fails (TRF.0012).
 *
 * List files are checked as OMS documents it (TRF.0013/0014/0016/0017/0018/0019). Keys are deduplicated; the
 * order is the order of the request/list (prefix and folder listings in key order).
 */
import type { ObjectStore } from './object-store';
import type { ErrorReason, FailedItem, TaskSpec } from './task-model';

/** Task-level failure reasons (`error_reason.error_code`). */
export const TRF_MESSAGES = {
  'TRF.0012': 'The object does not exist in the source.',
  'TRF.0013': 'The list file does not exist or cannot be read.',
  'TRF.0014': 'The list file must be a .txt file of at most 100 MB.',
  'TRF.0016': 'The URL list file format is incorrect.',
  'TRF.0017': 'The list file is empty.',
  'TRF.0018': 'A line of the list file exceeds 65535 characters.',
  'TRF.0019': 'The list file metadata is invalid: Content-Type must be text/plain without Content-Encoding.',
  'TRF.0057': 'The destination AK/SK is invalid.',
  'TRF.0058': 'The destination bucket does not exist.',
  'TRF.0151': 'The source AK/SK is invalid.',
  'TRF.0155': 'The source bucket does not exist.',
} as const;

/** A TRF code with a message. */
export type TrfCode = keyof typeof TRF_MESSAGES;

/** The error code of an object missing from the source. */
export const MISSING_OBJECT_CODE = 'TRF.0012';

/** The `error_reason` for a TRF code. */
export function trfReason(code: TrfCode): ErrorReason {
  return { error_code: code, error_msg: TRF_MESSAGES[code] };
}

/** One object of a run before skip/failure decisions. `exists` false = missing at the source. */
export interface ResolvedObject {
  bucket: string | null;
  key: string;
  dstKey: string;
  size: number;
  lastModified: number;
  exists: boolean;
  line?: string;
}

/** The objects of a run, or the task-level failure that prevents it. */
export type Resolution = { ok: true; objects: ResolvedObject[] } | { ok: false; reason: ErrorReason };

const MAX_LIST_FILE_BYTES = 100 * 1024 * 1024;
const MAX_LINE_CHARS = 65_535;
const URL_HOST_SUFFIX = '.emulator';

function readListFile(
  store: ObjectStore,
  spec: TaskSpec,
): { ok: true; lines: string[] } | { ok: false; code: TrfCode } {
  const listFile = spec.src.listFile;
  if (!listFile) return { ok: false, code: 'TRF.0013' };
  const object = store.bucket(listFile.obs_bucket)?.get(listFile.list_file_key);
  if (!object || object.content === undefined) return { ok: false, code: 'TRF.0013' };
  if (!listFile.list_file_key.endsWith('.txt') || object.size > MAX_LIST_FILE_BYTES)
    return { ok: false, code: 'TRF.0014' };
  const contentType = (object.contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'text/plain') return { ok: false, code: 'TRF.0019' };
  const lines = object.content
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l !== '');
  if (lines.length === 0) return { ok: false, code: 'TRF.0017' };
  if (lines.some((l) => l.length > MAX_LINE_CHARS)) return { ok: false, code: 'TRF.0018' };
  return { ok: true, lines };
}

function lookup(store: ObjectStore, bucket: string | null, key: string, dstKey: string, line?: string): ResolvedObject {
  const object = bucket === null ? undefined : store.bucket(bucket)?.get(key);
  const resolved: ResolvedObject = {
    bucket,
    key,
    dstKey,
    size: object?.size ?? 0,
    lastModified: object?.lastModified ?? 0,
    exists: object !== undefined,
  };
  if (line !== undefined) resolved.line = line;
  return resolved;
}

/** Parses a URL-list line into the emulated bucket/key it points to and its destination key. */
function parseUrlLine(line: string): { bucket: string | null; key: string; dstKey: string } | undefined {
  const tab = line.indexOf('\t');
  if (tab <= 0 || tab === line.length - 1) return undefined;
  const url = line.slice(0, tab).trim();
  const dstKey = line.slice(tab + 1);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (!parsed.hostname.endsWith(URL_HOST_SUFFIX) || parsed.pathname.length < 2) {
    return { bucket: null, key: url, dstKey };
  }
  let key: string;
  try {
    key = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    return { bucket: null, key: url, dstKey };
  }
  return { bucket: parsed.hostname.slice(0, -URL_HOST_SUFFIX.length), key, dstKey };
}

/**
 * Resolves the objects of a run. `failedOnly` limits it to `failedItems` (StartTask with
 * `migrate_failed_object`). Bucket existence and credentials are checked by the caller first.
 */
export function resolveObjects(
  store: ObjectStore,
  spec: TaskSpec,
  failedOnly: boolean,
  failedItems: readonly FailedItem[],
): Resolution {
  const savePrefix = spec.dst.savePrefix ?? '';
  const srcBucket = spec.src.bucket;
  const out: ResolvedObject[] = [];
  const seen = new Set<string>();
  const add = (object: ResolvedObject): void => {
    const id = object.line ?? object.key;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(object);
  };

  if (failedOnly) {
    for (const item of failedItems) {
      if (spec.taskType === 'url_list' && item.line !== undefined) {
        const parsed = parseUrlLine(item.line);
        if (parsed) add(lookup(store, parsed.bucket, parsed.key, savePrefix + parsed.dstKey, item.line));
      } else {
        add(lookup(store, srcBucket, item.key, item.dstKey));
      }
    }
    return { ok: true, objects: out };
  }

  switch (spec.taskType) {
    case 'object':
    case 'prefix': {
      const bucket = srcBucket === null ? undefined : store.bucket(srcBucket);
      for (const entry of spec.src.objectKey ?? []) {
        const isListing = spec.taskType === 'prefix' || entry === '' || entry.endsWith('/');
        if (isListing) {
          for (const key of bucket?.keysWithPrefix(entry) ?? []) add(lookup(store, srcBucket, key, savePrefix + key));
        } else {
          add(lookup(store, srcBucket, entry, savePrefix + entry));
        }
      }
      return { ok: true, objects: out };
    }
    case 'list': {
      const list = readListFile(store, spec);
      if (!list.ok) return { ok: false, reason: trfReason(list.code) };
      for (const key of list.lines) add(lookup(store, srcBucket, key, savePrefix + key));
      return { ok: true, objects: out };
    }
    case 'url_list': {
      const list = readListFile(store, spec);
      if (!list.ok) return { ok: false, reason: trfReason(list.code) };
      const parsed = list.lines.map((line) => ({ line, target: parseUrlLine(line) }));
      if (parsed.some((p) => p.target === undefined)) return { ok: false, reason: trfReason('TRF.0016') };
      for (const { line, target } of parsed) {
        const t = target as { bucket: string | null; key: string; dstKey: string };
        add(lookup(store, t.bucket, t.key, savePrefix + t.dstKey, line));
      }
      return { ok: true, objects: out };
    }
  }
}
