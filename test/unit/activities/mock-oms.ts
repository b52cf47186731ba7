/**
 * Shared set-up for activity tests against a mocked OMS (undici MockAgent, no network): the endpoint and project,
 * a fresh agent per test that must have answered every interceptor, activities in AK/SK mode that use it, and a
 * helper that unwraps the ApplicationFailure an activity throws.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockAgent } from 'undici';

import { createActivities } from '../../../activities';
import { staticCredentialStore } from '../../../activities/credentials';

export const OMS = 'https://oms.example.com';
export const PROJECT = 'proj-1';

/** Installs beforeEach/afterEach hooks; `current()` is this test's agent. */
export function useMockOms(): { current(): MockAgent } {
  let agent: MockAgent | undefined;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    agent?.assertNoPendingInterceptors();
    await agent?.close();
  });
  return {
    current() {
      if (!agent) throw new Error('the mock OMS exists only inside a test');
      return agent;
    },
  };
}

/** The activities with profile `default` (AK/SK) talking to `agent`. */
export function activitiesOn(agent: MockAgent) {
  return createActivities({
    omsEndpoint: OMS,
    iamEndpoint: OMS,
    projectId: PROJECT,
    authMode: 'aksk',
    credentials: staticCredentialStore({ default: { ak: 'AK-TEST-1', sk: 'SK-TEST-1' } }),
    dispatcher: agent,
  });
}

/** The ApplicationFailure `p` rejects with (fails the test if it resolves or rejects with something else). */
export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}
