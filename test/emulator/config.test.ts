/** Configuration: deep merge over the defaults, rejection of typos and invalid values, redaction. */
import { DEFAULT_EMULATOR_CONFIG, resolveConfig } from '../../emulator';
import { redactConfig } from '../../emulator/config';
import { generateObjects } from '../../emulator/object-store';

test('overrides merge key by key into nested sections; arrays replace', () => {
  const config = resolveConfig({ quotas: { createsPerWindow: 3 }, buckets: [{ name: 'only' }] });
  expect(config.quotas).toEqual({ ...DEFAULT_EMULATOR_CONFIG.quotas, createsPerWindow: 3 });
  expect(config.buckets).toEqual([{ name: 'only' }]);
  expect(config.simulation).toEqual(DEFAULT_EMULATOR_CONFIG.simulation);
  // The defaults are not mutated.
  expect(DEFAULT_EMULATOR_CONFIG.quotas.createsPerWindow).toBe(1500);
});

test.each([
  [{ quotaz: {} }, /unknown emulator config key "quotaz"/],
  [{ simulation: { timescale: 2 } }, /unknown emulator config key "simulation.timescale"/],
  [{ simulation: { timeScale: -1 } }, /timeScale/],
  [{ simulation: { failureRules: [{ regex: '(', errorCode: 'X' }] } }, /does not compile/],
  [{ accessKeys: [{ ak: 'A', sk: 'B', domainId: 'nope' }] }, /domainId/],
  [{ buckets: [{ name: 'a' }, { name: 'a' }] }, /configured twice/],
])('an invalid override is rejected (%j)', (overrides, message) => {
  expect(() => resolveConfig(overrides as never)).toThrow(message);
});

test('timeScale 0 (the manual clock) is a valid configuration', () => {
  expect(resolveConfig({ simulation: { timeScale: 0 } }).simulation.timeScale).toBe(0);
});

test('generated objects are zero-padded and sized as specified', () => {
  const objects = generateObjects({ count: 12, size: 5, prefix: 'p/' }, 7);
  expect(objects.map(([k]) => k)).toEqual(Array.from({ length: 12 }, (_, i) => `p/${String(i).padStart(2, '0')}.dat`));
  expect(objects[0]![1]).toEqual({ size: 5, lastModified: 7 });
});

test('the redacted configuration hides passwords and keys', () => {
  const text = JSON.stringify(redactConfig(DEFAULT_EMULATOR_CONFIG));
  expect(text).not.toContain('Demo-Passw0rd!');
  expect(text).not.toContain(DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.sk);
  expect(text).not.toContain(DEFAULT_EMULATOR_CONFIG.accessKeys[0]!.ak);
});
