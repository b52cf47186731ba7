/**
 * The emulator's OBS endpoint driven by Huawei's official OBS SDK (`esdk-obs-nodejs`) unchanged: path-style with
 * the AWS V2 header flavour (what the SDK does for an IP endpoint) and virtual-host with the OBS flavour after the
 * SDK's own signature negotiation. The signature is checked: a wrong SK or an unknown AK is refused.
 */
import http from 'node:http';

import ObsClient from 'esdk-obs-nodejs';

import { DEFAULT_EMULATOR_CONFIG, startEmulator, type RunningEmulator } from '../../emulator';
import { AK, SK } from './helpers';

let emulator: RunningEmulator;
const OTHER_DOMAIN = 'aaaabbbbccccddddeeeeffff00001111';

beforeAll(async () => {
  emulator = await startEmulator({
    config: {
      iam: {
        domains: [
          ...structuredClone(DEFAULT_EMULATOR_CONFIG.iam.domains),
          { id: OTHER_DOMAIN, name: 'other', users: [], projects: [] },
        ],
      },
      accessKeys: [
        { ak: AK, sk: SK, domainId: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a' },
        { ak: 'OTHERACCOUNTAK000001', sk: 'otherAccountSecret0000000000000000000001', domainId: OTHER_DOMAIN },
      ],
      buckets: [
        {
          name: 'obs-read',
          objects: [
            { key: 'lists/failed.txt', content: 'a/1.dat\nb/2.dat\n' },
            { key: 'dir with space/ü.txt', content: 'x' },
          ],
          generate: { count: 250, size: 10, prefix: 'logs/' },
        },
        { name: 'obs-private', owner: '7c1f0f4e9a8b4d2c8e6a5b3d1f0e9c7a', objects: [{ key: 'k', content: 'v' }] },
      ],
    },
  });
});
afterAll(() => emulator.stop());

/** The SDK as the product configures it, against the emulator's IP endpoint (path-style, AWS V2 flavour). */
function pathStyleClient(sk = SK, ak = AK): ObsClient {
  return new ObsClient({
    access_key_id: ak,
    secret_access_key: sk,
    server: emulator.url,
    signature: 'obs',
    is_signature_negotiation: false,
    max_retry_count: 0,
    timeout: 10,
  });
}

/** Lets the SDK finish its asynchronous set-up. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('path-style (IP endpoint: the SDK signs "AWS ak:sig")', () => {
  it('reads an object with the right key pair and refuses a wrong SK with SignatureDoesNotMatch', async () => {
    const good = pathStyleClient();
    const bad = pathStyleClient(`${SK}x`);
    await settled();
    const ok = await good.getObject({ Bucket: 'obs-read', Key: 'lists/failed.txt' });
    expect(ok.CommonMsg.Status).toBe(200);
    expect(ok.InterfaceResult?.Content).toBe('a/1.dat\nb/2.dat\n');
    const refused = await bad.getObject({ Bucket: 'obs-read', Key: 'lists/failed.txt' });
    expect(refused.CommonMsg.Status).toBe(403);
    expect(refused.CommonMsg.Code).toBe('SignatureDoesNotMatch');
    expect(refused.InterfaceResult?.Content).toBeUndefined();
    const log = await emulator.admin.requests({ route: 'ObsGetObject' });
    expect(log.map((e) => e.status).slice(-2)).toEqual([200, 403]);
    expect(log.at(-1)?.errorCode).toBe('SignatureDoesNotMatch');
  });

  it('refuses an unknown AK and another account on an owned bucket; 404s name the missing thing', async () => {
    const stranger = pathStyleClient('whatever', 'UNKNOWNAK00000000001');
    const other = pathStyleClient('otherAccountSecret0000000000000000000001', 'OTHERACCOUNTAK000001');
    const client = pathStyleClient();
    await settled();
    expect((await stranger.headBucket({ Bucket: 'obs-read' })).CommonMsg).toMatchObject({
      Status: 403,
      Code: 'InvalidAccessKeyId',
    });
    expect((await other.headBucket({ Bucket: 'obs-private' })).CommonMsg).toMatchObject({
      Status: 403,
      Code: 'AccessDenied',
    });
    expect((await other.headBucket({ Bucket: 'obs-read' })).CommonMsg.Status).toBe(200);
    expect((await client.headBucket({ Bucket: 'no-such-bucket' })).CommonMsg).toMatchObject({
      Status: 404,
      Code: 'NoSuchBucket',
    });
    const missing = await client.getObject({ Bucket: 'obs-read', Key: 'nope' });
    expect(missing.CommonMsg).toMatchObject({ Status: 404, Code: 'NoSuchKey' });
  });

  it('HeadObject gives size and type; keys with spaces and non-ASCII characters sign and resolve', async () => {
    const client = pathStyleClient();
    await settled();
    const head = await client.getObjectMetadata({ Bucket: 'obs-read', Key: 'logs/007.dat' });
    expect(head.CommonMsg.Status).toBe(200);
    expect(head.InterfaceResult?.ContentLength).toBe('10');
    const odd = await client.getObject({ Bucket: 'obs-read', Key: 'dir with space/ü.txt' });
    expect(odd.CommonMsg.Status).toBe(200);
    expect(odd.InterfaceResult?.Content).toBe('x');
  });

  it('ListObjects pages with prefix, marker and max-keys (IsTruncated/NextMarker) over exactly the stored keys', async () => {
    const client = pathStyleClient();
    await settled();
    const keys: string[] = [];
    const pages: number[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await client.listObjects({ Bucket: 'obs-read', Prefix: 'logs/', MaxKeys: 100, Marker: marker });
      expect(page.CommonMsg.Status).toBe(200);
      const out = page.InterfaceResult!;
      pages.push(out.Contents.length);
      keys.push(...out.Contents.map((c) => c.Key));
      if (out.IsTruncated !== 'true') {
        expect(out.NextMarker ?? '').toBe('');
        break;
      }
      expect(out.NextMarker).toBe(out.Contents.at(-1)?.Key);
      marker = out.NextMarker;
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(keys).toEqual(Array.from({ length: 250 }, (_, i) => `logs/${String(i).padStart(3, '0')}.dat`));
    const rolled = await client.listObjects({ Bucket: 'obs-read', Delimiter: '/' });
    expect(rolled.InterfaceResult?.CommonPrefixes?.map((p) => p.Prefix)).toEqual([
      'dir with space/',
      'lists/',
      'logs/',
    ]);
  });
});

describe('virtual-host (the SDK negotiates, then signs "OBS ak:sig")', () => {
  // `<bucket>.localhost` must reach the emulator: resolve every name to loopback for this client only.
  const agent = new http.Agent({
    lookup: ((_host: string, options: unknown, callback: (...args: unknown[]) => void) => {
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    }) as never,
  });
  afterAll(() => agent.destroy());

  function virtualHostClient(sk = SK): ObsClient {
    return new ObsClient({
      access_key_id: AK,
      secret_access_key: sk,
      server: `http://localhost:${emulator.port}`,
      http_agent: agent,
      max_retry_count: 0,
      timeout: 10,
    });
  }

  it('reads with the OBS signature and refuses a wrong SK', async () => {
    const good = virtualHostClient();
    const bad = virtualHostClient(`${SK}x`);
    await settled();
    const before = (await emulator.admin.requests({ route: 'ObsHeadApiVersion' })).length;
    const ok = await good.getObject({ Bucket: 'obs-read', Key: 'lists/failed.txt' });
    expect(ok.CommonMsg.Status).toBe(200);
    expect(ok.InterfaceResult?.Content).toBe('a/1.dat\nb/2.dat\n');
    expect((await emulator.admin.requests({ route: 'ObsHeadApiVersion' })).length).toBeGreaterThan(before);
    const listed = await good.listObjects({ Bucket: 'obs-read', Prefix: 'lists/' });
    expect(listed.InterfaceResult?.Contents.map((c) => c.Key)).toEqual(['lists/failed.txt']);
    const refused = await bad.getObject({ Bucket: 'obs-read', Key: 'lists/failed.txt' });
    expect(refused.CommonMsg).toMatchObject({ Status: 403, Code: 'SignatureDoesNotMatch' });
  });
});
