import { makeRedactor } from '../../../workflows/shared/redact';
import { coreLogFilter, createJsonLogger } from '../../../worker/logger';

test('the redactor replaces every configured secret', () => {
  expect(makeRedactor(['SECRET-1', 'SECRET-2'])('a SECRET-1 b SECRET-1 c SECRET-2')).toBe('a *** b *** c ***');
});

test('the JSON logger scrubs secrets from messages and attributes', () => {
  const lines: string[] = [];
  const logger = createJsonLogger('INFO', ['TOPSECRET'], (l) => lines.push(l));
  logger.info('token TOPSECRET leaked?', { header: 'X-Auth-Token: TOPSECRET', n: 1 });
  logger.debug('below the level');
  expect(lines).toHaveLength(1);
  const record = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(record).toMatchObject({ level: 'INFO', message: 'token *** leaked?', header: 'X-Auth-Token: ***', n: 1 });
});

test('errors in log attributes keep their name, message and failure type', () => {
  const lines: string[] = [];
  const logger = createJsonLogger('INFO', ['TOPSECRET'], (l) => lines.push(l));
  const err = Object.assign(new Error('call failed with TOPSECRET'), { type: 'ApiAuth', nonRetryable: true });
  logger.warn('Activity failed', { error: err });
  const record = JSON.parse(lines[0]!) as { error: Record<string, unknown> };
  expect(record.error).toMatchObject({
    name: 'Error',
    message: 'call failed with ***',
    type: 'ApiAuth',
    nonRetryable: true,
  });
});

test('secrets with characters JSON escapes are redacted too', () => {
  const lines: string[] = [];
  const secret = 'pa"ss\\word-42';
  const logger = createJsonLogger('INFO', [secret], (l) => lines.push(l));
  logger.info(`login with ${secret}`);
  expect(lines[0]).not.toContain(JSON.stringify(secret).slice(1, -1));
  expect((JSON.parse(lines[0]!) as { message: string }).message).toBe('login with ***');
});

test('core log lines follow LOG_LEVEL, staying at WARN for INFO', () => {
  expect(coreLogFilter('INFO')).toBe('ERROR,temporalio_sdk_core=WARN,temporalio_client=WARN,temporalio_common=WARN');
  expect(coreLogFilter('WARN')).toContain('temporalio_sdk_core=WARN');
  expect(coreLogFilter('ERROR')).toContain('temporalio_sdk_core=ERROR');
  expect(coreLogFilter('DEBUG')).toContain('temporalio_sdk_core=DEBUG');
  expect(coreLogFilter('TRACE')).toContain('temporalio_sdk_core=TRACE');
});
