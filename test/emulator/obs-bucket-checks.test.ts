/**
 * The OBS helpers of activities/obs/ against the emulator's OBS endpoint, with the client configured as the
 * product configures it (createObsClient): the dry-run checks (headBucket, estimatePrefix, objectExists) and the
 * failed-object activity's permanent problems returned as data.
 */
import { staticCredentialStore } from '../../activities/credentials';
import { createActivityContext } from '../../activities/context';
import { failedObjectsActivities } from '../../activities/failed-objects';
import { estimatePrefix, headBucket, objectExists } from '../../activities/obs/bucket-checks';
import { createObsClient, type ObsClient } from '../../activities/obs/client';
import { DEFAULT_EMULATOR_CONFIG, startEmulator, type RunningEmulator } from '../../emulator';
import { AK, SK } from './helpers';

const OTHER_DOMAIN = 'aaaabbbbccccddddeeeeffff00001111';
const OTHER = { ak: 'OTHERACCOUNTAK000001', sk: 'otherAccountSecret0000000000000000000001' };

let emulator: RunningEmulator;
let client: ObsClient;
let outsider: ObsClient;

beforeAll(async () => {
  emulator = await startEmulator({
    config: {
      iam: {
        domains: [
          ...structuredClone(DEFAULT_EMULATOR_CONFIG.iam.domains),
          { id: OTHER_DOMAIN, name: 'other', users: [], projects: [] },
        ],
      },
      accessKeys: [...structuredClone(DEFAULT_EMULATOR_CONFIG.accessKeys), { ...OTHER, domainId: OTHER_DOMAIN }],
      buckets: [
        {
          name: 'checks',
          region: 'cn-north-7',
          owner: DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.domainId,
          objects: [{ key: 'lists/one.txt', content: 'a\nb\n' }],
          generate: [
            { count: 2_345, size: 100, prefix: 'data/' },
            { count: 7, size: 3, prefix: 'small/' },
          ],
        },
      ],
    },
  });
  const options = { endpoint: emulator.url, region: 'cn-north-7' };
  client = await createObsClient({ ...options, ak: AK, sk: SK });
  outsider = await createObsClient({ ...options, ...OTHER });
});
afterAll(async () => {
  client.close();
  outsider.close();
  await emulator.stop();
});

test('headBucket: ok with the region; 404 and 403 come back with a reason', async () => {
  await expect(headBucket(client, 'checks')).resolves.toEqual({ ok: true, region: 'cn-north-7' });
  const missing = await headBucket(client, 'no-such-bucket');
  expect(missing).toMatchObject({ ok: false, status: 404, code: 'NoSuchBucket' });
  expect(missing.ok || missing.reason).toContain('bucket no-such-bucket does not exist');
  const denied = await headBucket(outsider, 'checks');
  expect(denied).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });
  expect(denied.ok || denied.reason).toContain('access denied');
});

test('estimatePrefix counts objects and bytes, page by page, and says when it stopped at the bound', async () => {
  await expect(estimatePrefix(client, 'checks', 'small/', 100)).resolves.toEqual({
    ok: true,
    objects: 7,
    bytes: 21,
    truncated: false,
    pages: 1,
  });
  await expect(estimatePrefix(client, 'checks', 'data/', 10_000)).resolves.toEqual({
    ok: true,
    objects: 2_345,
    bytes: 234_500,
    truncated: false,
    pages: 3,
  });
  await expect(estimatePrefix(client, 'checks', 'data/', 1_500)).resolves.toEqual({
    ok: true,
    objects: 1_500,
    bytes: 150_000,
    truncated: true,
    pages: 2,
  });
  // Exactly the bound, and nothing more: not truncated.
  await expect(estimatePrefix(client, 'checks', 'small/', 7)).resolves.toMatchObject({ objects: 7, truncated: false });
  await expect(estimatePrefix(outsider, 'checks', '', 10)).resolves.toMatchObject({ ok: false, code: 'AccessDenied' });
});

test('objectExists: size and type of an existing object; a missing one is a 404 problem', async () => {
  await expect(objectExists(client, 'checks', 'lists/one.txt')).resolves.toEqual({
    ok: true,
    exists: true,
    size: 4,
    contentType: 'text/plain',
  });
  await expect(objectExists(client, 'checks', 'lists/none.txt')).resolves.toMatchObject({
    ok: false,
    status: 404,
    code: 'NoSuchKey',
  });
});

test('summarizeFailedObjects returns permanent problems as data (no secret), and a summary for a readable list', async () => {
  const { summarizeFailedObjects } = failedObjectsActivities(
    createActivityContext({
      omsEndpoint: emulator.url,
      iamEndpoint: emulator.url,
      projectId: 'p',
      authMode: 'aksk',
      credentials: staticCredentialStore({ dst: { ak: AK, sk: SK }, wrong: { ak: AK, sk: `${SK}x` } }),
      obsEndpoint: emulator.url,
      failedObjectsSummaryKeys: 1,
    }),
  );
  const input = { bucket: 'checks', region: 'cn-north-7', list_file_key: 'lists/one.txt' };
  await expect(summarizeFailedObjects({ ...input, credential_profile: 'dst' })).resolves.toEqual({
    summary: { count: 2, first_keys: ['a'], reasons: 'not recorded in the list', list_bytes: 4 },
  });
  const wrong = await summarizeFailedObjects({ ...input, credential_profile: 'wrong' });
  expect(wrong).toMatchObject({ unavailable: { code: 'SignatureDoesNotMatch' } });
  const missing = await summarizeFailedObjects({ ...input, list_file_key: 'nope', credential_profile: 'dst' });
  expect(missing).toMatchObject({ unavailable: { code: 'NoSuchKey' } });
  const noProfile = await summarizeFailedObjects({ ...input, credential_profile: 'absent' });
  expect(noProfile).toMatchObject({ unavailable: { code: 'CredentialsMissing' } });
  expect(JSON.stringify([wrong, missing, noProfile])).not.toContain(SK);
});
