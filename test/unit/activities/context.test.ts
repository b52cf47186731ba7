import { ApplicationFailure } from '@temporalio/common';

import { createActivityContext, credentialsMissingMessage } from '../../../activities/context';
import {
  isShowableProfileName,
  profileEnvVar,
  staticCredentialStore,
  type CredentialProfile,
} from '../../../activities/credentials';
import { loadWorkerConfig } from '../../../worker/config';

const ctx = createActivityContext({
  omsEndpoint: 'https://oms.test',
  iamEndpoint: 'https://iam.test',
  projectId: 'p',
  authMode: 'token',
  credentials: staticCredentialStore({
    'my-src': { ak: 'SRC-AK-SECRET', sk: 'SRC-SK-SECRET' },
    'half-api': { iamUser: 'alice' },
    'no-cdn': { ak: 'AK-SECRET-9', sk: 'SK-SECRET-9' },
  }),
});

/** The CredentialsMissing failure `requireProfile` throws (fails the test when it returns). */
function failureOf(name: string, fields: readonly (keyof CredentialProfile)[], use: string): ApplicationFailure {
  try {
    ctx.requireProfile(name, fields, use);
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a CredentialsMissing failure');
}

/** Every `OMS_PROFILE_…` variable a message names. */
const variablesIn = (message: string): string[] => message.match(/OMS_PROFILE_[A-Z0-9_<>]+/g) ?? [];

describe('CredentialsMissing messages', () => {
  test('every way requireProfile is called names at least one variable to set, never an empty list', () => {
    const calls: [string, (keyof CredentialProfile)[], string][] = [
      ['absent', [], 'migration'],
      ['absent', ['ak', 'sk'], 'source node'],
      ['absent', ['iamUser', 'iamPassword'], 'IAM token for the OMS API'],
      ['absent', ['cdnAuthenticationKey'], 'CDN URL authentication'],
      ['half-api', ['iamUser', 'iamPassword'], 'IAM token for the OMS API'],
      ['no-cdn', ['cdnAuthenticationKey'], 'CDN URL authentication'],
      ['bad name!', [], 'migration'],
      ['bad name!', ['ak', 'sk'], 'destination node'],
    ];
    for (const [name, fields, use] of calls) {
      const failure = failureOf(name, fields, use);
      expect(failure).toMatchObject({ type: 'CredentialsMissing', nonRetryable: true });
      expect(failure.message).not.toMatch(/environment\s*[,)]|\(\s*,|Set\s+in/);
      expect(variablesIn(failure.message).length).toBeGreaterThan(0);
    }
  });

  test('a missing profile names the exact variables for the fields it needs', () => {
    expect(failureOf('my-dst', ['ak', 'sk'], 'destination node').message).toBe(
      'Credential profile "my-dst" (destination node) is not configured on this worker. Set OMS_PROFILE_MY_DST_AK ' +
        'and OMS_PROFILE_MY_DST_SK in the worker\'s environment (or "ak" and "sk" of the profile in ' +
        'OMS_CREDENTIALS_FILE) and restart the worker; credentials never go in the request.',
    );
  });

  test("a profile checked by name only names a node's keys and the CDN key", () => {
    const { message } = failureOf('absent', [], 'migration');
    expect(variablesIn(message)).toEqual([
      'OMS_PROFILE_ABSENT_AK',
      'OMS_PROFILE_ABSENT_SK',
      'OMS_PROFILE_ABSENT_CDN_AUTHENTICATION_KEY',
    ]);
  });

  test('a profile that lacks fields names the variables of the missing fields only', () => {
    const { message } = failureOf('half-api', ['iamUser', 'iamPassword'], 'IAM token for the OMS API');
    expect(message).toMatch(/^Credential profile "half-api" \(IAM token for the OMS API\) lacks iamPassword\./);
    expect(variablesIn(message)).toEqual(['OMS_PROFILE_HALF_API_IAM_PASSWORD']);
    expect(variablesIn(failureOf('no-cdn', ['cdnAuthenticationKey'], 'CDN').message)).toEqual([
      'OMS_PROFILE_NO_CDN_CDN_AUTHENTICATION_KEY',
    ]);
  });

  test('the variables named configure exactly the profile asked for (round trip through the worker config)', () => {
    for (const name of ['src', 'My-Dst', 'a1-b2-c3', 'x']) {
      const env: Record<string, string> = { OMS_ENDPOINT: 'https://oms.test', OMS_PROJECT_ID: 'p' };
      for (const variable of variablesIn(failureOf(name, ['ak', 'sk'], 'source node').message)) env[variable] = 'v';
      expect(loadWorkerConfig(env).credentials.get(name)).toEqual({ ak: 'v', sk: 'v' });
    }
  });

  test.each([
    ['a pasted secret key', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'],
    ['a name with a dot, which no variable can configure', 'my.src'],
    ['a name with an underscore, which no variable can configure', 'my_src'],
    ['a name starting with a digit', '1src'],
    ['a name with a space', 'my src'],
    ['a name longer than 64 characters', `p${'x'.repeat(64)}`],
    ['an empty name', ''],
  ])('%s is never repeated, and the message says it is not a valid profile name', (_what, name) => {
    for (const fields of [[], ['ak', 'sk']] as (keyof CredentialProfile)[][]) {
      const { message } = failureOf(name, fields, 'source node');
      expect(message).toContain('the profile name given is not a valid profile name');
      if (name !== '') expect(message).not.toContain(name);
      expect(message.toUpperCase()).not.toContain(name.toUpperCase().replace(/[^A-Z0-9]/g, '_') || '\u0000');
      expect(variablesIn(message)).toEqual(
        fields.length > 0
          ? ['OMS_PROFILE_<NAME>_AK', 'OMS_PROFILE_<NAME>_SK']
          : ['OMS_PROFILE_<NAME>_AK', 'OMS_PROFILE_<NAME>_SK', 'OMS_PROFILE_<NAME>_CDN_AUTHENTICATION_KEY'],
      );
    }
  });

  test('an access key used as a profile name is not repeated either', () => {
    const ak = 'EMULATORDEMOAK000001';
    const { message } = failureOf(ak, ['ak', 'sk'], 'destination node');
    expect(message).not.toContain(ak);
    expect(message).toContain('looks like an access key');
    expect(variablesIn(message)).toEqual(['OMS_PROFILE_<NAME>_AK', 'OMS_PROFILE_<NAME>_SK']);
  });

  test('a profile configured under a name no request can use (credentials file) is found, but never echoed', () => {
    const fileCtx = createActivityContext({
      ...ctx.deps,
      credentials: staticCredentialStore({ 'legacy.profile': { ak: 'AK-L', sk: 'SK-L' } }),
    });
    expect(fileCtx.requireProfile('legacy.profile', ['ak', 'sk'], 'source node')).toEqual({ ak: 'AK-L', sk: 'SK-L' });
    expect(() => fileCtx.requireProfile('legacy.profile', ['cdnAuthenticationKey'], 'CDN')).toThrow(
      /^The credential profile for CDN lacks cdnAuthenticationKey, and the profile name given is not a valid/,
    );
  });

  test('the message never contains a secret of the profile', () => {
    const { message } = failureOf('no-cdn', ['cdnAuthenticationKey'], 'CDN');
    expect(message).not.toMatch(/AK-SECRET-9|SK-SECRET-9/);
  });

  test('the message builder and the name helpers agree with the worker configuration', () => {
    expect(isShowableProfileName('default')).toBe(true);
    expect(isShowableProfileName('Default-2')).toBe(true);
    expect(isShowableProfileName('A1B2C3D4E5F6G7H8')).toBe(false);
    expect(isShowableProfileName('PRODUCTIONSOURCE')).toBe(true);
    expect(profileEnvVar('my-src', 'iamDomainId')).toBe('OMS_PROFILE_MY_SRC_IAM_DOMAIN_ID');
    expect(profileEnvVar('my-src', 'securityToken')).toBe('OMS_PROFILE_MY_SRC_SECURITY_TOKEN');
    expect(credentialsMissingMessage('x', 'migration', false, [])).toContain('OMS_PROFILE_X_AK and OMS_PROFILE_X_SK');
  });
});
