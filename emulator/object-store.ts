/**
 * The emulated object stores: every source, destination and list-file bucket, keyed by bucket name (bucket names
 * are global, as on OBS). Objects carry size and last-modified time; small text objects (list files, failed-object
 * lists) also keep their content.
 */
import type { BucketConfig, GeneratorSpec } from './config';

/** An object's metadata (and content, for text objects). */
export interface StoredObject {
  size: number;
  /** Epoch ms (simulated time for objects written by the emulator). */
  lastModified: number;
  contentType?: string;
  content?: string;
}

/** A bucket: its region and objects, with a lazily rebuilt sorted key index for prefix listings. */
export class Bucket {
  readonly objects = new Map<string, StoredObject>();
  private sortedKeys: string[] | undefined;

  constructor(
    readonly name: string,
    readonly region: string,
  ) {}

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  put(key: string, object: StoredObject): void {
    if (!this.objects.has(key)) this.sortedKeys = undefined;
    this.objects.set(key, object);
  }

  delete(key: string): boolean {
    this.sortedKeys = undefined;
    return this.objects.delete(key);
  }

  /** Keys starting with `prefix`, in lexicographic (code unit) order. */
  keysWithPrefix(prefix: string): string[] {
    const keys = (this.sortedKeys ??= [...this.objects.keys()].sort());
    if (prefix === '') return keys.slice();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      out.push(key);
    }
    return out;
  }
}

/** Persisted form of a bucket: `[key, size, lastModified, contentType?, content?]` tuples keep snapshots small. */
export interface BucketSnapshot {
  name: string;
  region: string;
  objects: [string, number, number, string?, string?][];
}

/** All buckets. */
export class ObjectStore {
  readonly buckets = new Map<string, Bucket>();

  bucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  /** Creates a bucket (or returns the existing one). */
  ensureBucket(name: string, region: string): Bucket {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = new Bucket(name, region);
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  deleteBucket(name: string): boolean {
    return this.buckets.delete(name);
  }

  /** Builds the store from bucket fixtures. */
  static fromConfig(buckets: BucketConfig[], defaultRegion: string, defaultLastModified: number): ObjectStore {
    const store = new ObjectStore();
    for (const config of buckets) {
      const bucket = store.ensureBucket(config.name, config.region ?? defaultRegion);
      for (const spec of config.generate === undefined ? [] : [config.generate].flat()) {
        for (const [key, object] of generateObjects(spec, defaultLastModified)) bucket.put(key, object);
      }
      for (const fixture of config.objects ?? []) {
        const content = fixture.content;
        bucket.put(fixture.key, {
          size: fixture.size ?? (content === undefined ? 0 : Buffer.byteLength(content)),
          lastModified: fixture.lastModified ?? defaultLastModified,
          contentType: fixture.contentType ?? (content === undefined ? undefined : 'text/plain'),
          content,
        });
      }
    }
    return store;
  }

  snapshot(): BucketSnapshot[] {
    return [...this.buckets.values()].map((bucket) => ({
      name: bucket.name,
      region: bucket.region,
      objects: [...bucket.objects].map(([key, o]): [string, number, number, string?, string?] => {
        if (o.content !== undefined) return [key, o.size, o.lastModified, o.contentType ?? '', o.content];
        if (o.contentType !== undefined) return [key, o.size, o.lastModified, o.contentType];
        return [key, o.size, o.lastModified];
      }),
    }));
  }

  static fromSnapshot(snapshot: BucketSnapshot[]): ObjectStore {
    const store = new ObjectStore();
    for (const b of snapshot) {
      const bucket = store.ensureBucket(b.name, b.region);
      for (const [key, size, lastModified, contentType, content] of b.objects) {
        bucket.put(key, {
          size,
          lastModified,
          contentType: contentType === undefined || contentType === '' ? undefined : contentType,
          content,
        });
      }
    }
    return store;
  }
}

/** Expands a generator spec into `[key, object]` pairs. */
export function generateObjects(spec: GeneratorSpec, defaultLastModified: number): [string, StoredObject][] {
  const width = Math.max(1, String(Math.max(0, spec.count - 1)).length);
  const prefix = spec.prefix ?? '';
  const suffix = spec.suffix ?? '.dat';
  const lastModified = spec.lastModified ?? defaultLastModified;
  const out: [string, StoredObject][] = [];
  for (let i = 0; i < spec.count; i++) {
    out.push([`${prefix}${String(i).padStart(width, '0')}${suffix}`, { size: spec.size, lastModified }]);
  }
  return out;
}
