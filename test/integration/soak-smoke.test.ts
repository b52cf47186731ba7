/**
 * The short soak (`npm run soak` in small): 20 migrations while the worker process is SIGKILLed once, the Temporal
 * dev server (its own, on its own SQLite file) restarts once on the same database, and the emulator injects light
 * faults (5xx, a lost create response, a 429 burst, resets, latency). Verdict from ground truth: every migration
 * ends as expected, no duplicate OMS task, reports equal the emulator's task records, no secret in any history or
 * log. Then the core-promise phases with two migrations each (late creates, resets, a credentials outage,
 * concurrent updates, deadline races; docs/guarantees.md): each phase's verdict and its own checks. No timing is
 * asserted.
 */
import fs from 'node:fs';
import path from 'node:path';

import { MAX_REASONABLE_ATTEMPTS, SOAK_DEFAULTS, runSoak } from '../../bench/lib/soak';
import { CORE_PHASES } from '../../bench/lib/soak-phases';
import { testEnv } from '../helpers/env';
import { uniqueId } from '../helpers/wait';

jest.setTimeout(300_000);

test('20 migrations through a worker SIGKILL, a server restart and light faults: all complete, no duplicates, reports match, no secrets', async () => {
  const dir = path.join(testEnv('tmpDir'), uniqueId('soak-smoke'));
  fs.mkdirSync(dir, { recursive: true });
  const result = await runSoak({
    ...SOAK_DEFAULTS,
    dir,
    n: 20,
    phases: ['together'],
    concurrency: 20,
    workerKills: 1,
    killAfterSeconds: [2, 4],
    serverRestarts: 1,
    emulatorRestarts: 0,
    faults: 'light',
    transferSeconds: 5,
    cliHistorySample: 5,
    timeoutMinutes: 4,
  });
  const v = result.overall;
  // The chaos happened.
  expect(v.workerKills).toBe(1);
  expect(v.serverRestarts).toBe(1);
  expect(v.faultsInjected).toBeGreaterThan(0);
  expect(result.historiesCheckedWithCli).toBeGreaterThan(0);
  // The verdict.
  expect(v.unexpected).toEqual([]);
  expect(v.completed).toBe(20);
  expect(v.duplicateTasks).toBe(0);
  expect(v.reportMismatches).toEqual([]);
  expect(v.maxActivityAttempts).toBeLessThanOrEqual(MAX_REASONABLE_ATTEMPTS);
  expect(v.secretsInHistory).toBe(0);
  expect(v.secretsInLogs).toBe(0);
  expect(v.unexpectedWorkerExits).toBe(0);
  expect(v.pass).toBe(true);
  // Ground truth saw every migration create exactly one task.
  expect(result.apiCalls.CreateTask).toBeGreaterThanOrEqual(20);
});

test('the core-promise phases, two migrations each: every phase keeps its promises', async () => {
  const dir = path.join(testEnv('tmpDir'), uniqueId('soak-promises'));
  fs.mkdirSync(dir, { recursive: true });
  const result = await runSoak({
    ...SOAK_DEFAULTS,
    dir,
    n: 2 * CORE_PHASES.length,
    phases: [...CORE_PHASES],
    concurrency: 10,
    transferSeconds: 5,
    credentialsOutageSeconds: 0, // the worker keeps the wrong password just until every migration shows blocked
    cliHistorySample: 5,
    timeoutMinutes: 4,
  });
  const byPhase = new Map(result.phases.map((v) => [v.phase, v]));
  // The chaos happened: late creates applied, resets made, migrations blocked, updates sent, deadlines set.
  expect(byPhase.get('late-create')!.figures['creates applied after the client gave up']).toBeGreaterThan(0);
  const resets = Object.entries(byPhase.get('reset')!.figures).filter(([k]) => k.startsWith('reset '));
  expect(resets.reduce((a, [, n]) => a + n, 0)).toBeGreaterThan(0);
  expect(byPhase.get('credentials')!.figures['seen blocked']).toBeGreaterThan(0);
  expect(byPhase.get('updates')!.figures['bandwidth changes accepted']).toBeGreaterThan(0);
  // The verdict, phase by phase (violations and unexpected outcomes first: they say what broke).
  for (const v of result.phases) {
    expect({ phase: v.phase, violations: v.violations, unexpected: v.unexpected }).toEqual({
      phase: v.phase,
      violations: [],
      unexpected: [],
    });
    expect(v.duplicateTasks).toBe(0);
    expect(v.reportMismatches).toEqual([]);
    expect(v.tasksLeftLive).toBe(0);
    expect(v.secretsInHistory).toBe(0);
    expect(v.pass).toBe(true);
  }
  expect(result.overall.secretsInLogs).toBe(0);
  expect(result.overall.unexpectedWorkerExits).toBe(0);
  expect(result.overall.pass).toBe(true);
});
