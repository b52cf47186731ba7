import { MockAgent } from 'undici';

import { fetchIamToken } from '../../../activities/oms/iam';
import type { IamToken } from '../../../activities/oms/iam';
import { DEFAULT_REFRESH_BEFORE_EXPIRY_MS, TokenCache } from '../../../activities/oms/token-cache';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** A controllable clock and a fetcher that counts calls and can be held open. */
function harness(lifetimeMs = 24 * HOUR) {
  let nowMs = T0;
  const calls: string[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const fetchToken = async (profile: string): Promise<IamToken> => {
    calls.push(profile);
    const n = calls.length;
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    return { token: `${profile}-tok-${n}`, issuedAt: new Date(nowMs), expiresAt: new Date(nowMs + lifetimeMs) };
  };
  return {
    calls,
    now: () => new Date(nowMs),
    advance: (ms: number) => {
      nowMs += ms;
    },
    setNow: (ms: number) => {
      nowMs = ms;
    },
    holdFetches: () => {
      hold = true;
    },
    releaseFetch: () => {
      hold = false;
      release?.();
    },
    fetchToken,
  };
}

describe('TokenCache', () => {
  test('single-flight: 10 concurrent getToken calls share one fetch', async () => {
    const h = harness();
    h.holdFetches();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });

    const pending = Array.from({ length: 10 }, () => cache.getToken('default'));
    await Promise.resolve();
    h.releaseFetch();

    expect(await Promise.all(pending)).toEqual(Array(10).fill('default-tok-1'));
    expect(h.calls).toEqual(['default']);
  });

  test('single-flight with the real IAM call: 5 concurrent callers, exactly one POST /v3/auth/tokens', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://iam.example.com')
      .intercept({ method: 'POST', path: '/v3/auth/tokens?nocatalog=true' })
      .reply(
        201,
        JSON.stringify({
          token: { expires_at: '2026-03-02T00:00:00.000000Z', issued_at: '2026-03-01T00:00:00.000000Z' },
        }),
        {
          headers: { 'X-Subject-Token': 'iam-token' },
        },
      )
      .delay(20);
    const cache = new TokenCache({
      now: () => new Date(T0),
      fetchToken: () =>
        fetchIamToken({
          iamEndpoint: 'https://iam.example.com',
          user: 'u',
          password: 'p',
          domainName: 'd',
          projectName: 'cn-north-4',
          dispatcher: agent,
        }),
    });
    const provider = cache.providerFor('default');

    const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken()));

    expect(tokens).toEqual(Array(5).fill('iam-token'));
    agent.assertNoPendingInterceptors(); // a second POST would have failed with MockNotMatchedError
    await agent.close();
  });

  test('returns the cached token until refreshBeforeExpiryMs (default 5 min) before expiry, then refreshes', async () => {
    const h = harness();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });
    expect(DEFAULT_REFRESH_BEFORE_EXPIRY_MS).toBe(5 * MINUTE);

    expect(await cache.getToken('p')).toBe('p-tok-1');
    h.setNow(T0 + 24 * HOUR - 5 * MINUTE - 1);
    expect(await cache.getToken('p')).toBe('p-tok-1');
    h.setNow(T0 + 24 * HOUR - 5 * MINUTE);
    expect(await cache.getToken('p')).toBe('p-tok-2');
    expect(h.calls).toHaveLength(2);
  });

  test('the refresh margin is configurable', async () => {
    const h = harness();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now, refreshBeforeExpiryMs: HOUR });
    await cache.getToken('p');
    h.setNow(T0 + 23 * HOUR - 1);
    expect(await cache.getToken('p')).toBe('p-tok-1');
    h.setNow(T0 + 23 * HOUR);
    expect(await cache.getToken('p')).toBe('p-tok-2');
  });

  test('the margin never exceeds half the token lifetime', async () => {
    const h = harness(4 * MINUTE); // a 4-minute token: the 5-minute margin is capped to 2 minutes
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });
    await cache.getToken('p');
    h.advance(2 * MINUTE - 1);
    expect(await cache.getToken('p')).toBe('p-tok-1');
    h.advance(1);
    expect(await cache.getToken('p')).toBe('p-tok-2');
  });

  test('profiles are cached separately', async () => {
    const h = harness();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });
    expect(await cache.getToken('a')).toBe('a-tok-1');
    expect(await cache.getToken('b')).toBe('b-tok-2');
    expect(await cache.getToken('a')).toBe('a-tok-1');
    expect(h.calls).toEqual(['a', 'b']);
  });

  test('invalidate(profile) forces a new fetch; a stale token only invalidates if it is still cached', async () => {
    const h = harness();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });
    const provider = cache.providerFor('p');
    expect(await provider.getToken()).toBe('p-tok-1');

    provider.invalidate('p-tok-1');
    expect(await provider.getToken()).toBe('p-tok-2');

    provider.invalidate('p-tok-1'); // a late 401 on the old token must not discard the new one
    expect(await provider.getToken()).toBe('p-tok-2');

    cache.invalidate('p');
    expect(await provider.getToken()).toBe('p-tok-3');
  });

  test('a failed fetch is not cached', async () => {
    let attempt = 0;
    const cache = new TokenCache({
      now: () => new Date(T0),
      fetchToken: () => {
        attempt++;
        return attempt === 1
          ? Promise.reject(new Error('IAM down'))
          : Promise.resolve({ token: 'ok', issuedAt: new Date(T0), expiresAt: new Date(T0 + HOUR) });
      },
    });
    await expect(cache.getToken('p')).rejects.toThrow('IAM down');
    await expect(cache.getToken('p')).resolves.toBe('ok');
  });

  test('a cancelled waiter rejects with its reason without cancelling the shared fetch', async () => {
    const h = harness();
    h.holdFetches();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });
    const controller = new AbortController();
    const reason = new Error('activity cancelled');

    const cancelled = cache.getToken('p', controller.signal);
    const other = cache.getToken('p');
    controller.abort(reason);
    await expect(cancelled).rejects.toBe(reason);
    h.releaseFetch();
    await expect(other).resolves.toBe('p-tok-1');
    expect(h.calls).toHaveLength(1);
  });

  test('an already-aborted signal rejects without fetching', async () => {
    const h = harness();
    const cache = new TokenCache({ fetchToken: h.fetchToken, now: h.now });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(cache.getToken('p', controller.signal)).rejects.toThrow('gone');
    expect(h.calls).toHaveLength(0);
  });

  test('rejects a negative refresh margin', () => {
    expect(() => new TokenCache({ fetchToken: harness().fetchToken, refreshBeforeExpiryMs: -1 })).toThrow(RangeError);
  });
});
