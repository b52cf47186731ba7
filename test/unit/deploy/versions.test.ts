/**
 * One source of truth for the Temporal versions: deploy/versions.json drives the cluster tooling
 * (scripts/lib/temporal-server.ts), and docker-compose.yml must pin the same server, admin-tools and UI releases.
 */
import fs from 'node:fs';
import path from 'node:path';

import versions from '../../../deploy/versions.json';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION, cachedServerPaths } from '../../../scripts/lib/temporal-server';

const compose = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docker-compose.yml'), 'utf8');

/** Every tag of `image: temporalio/<name>:<tag>` in docker-compose.yml. */
function tags(name: string): string[] {
  return [...compose.matchAll(new RegExp(`^\\s*image:\\s*temporalio/${name}:(\\S+)\\s*$`, 'gm'))].map((m) => m[1]!);
}

test('the tooling builds the versions deploy/versions.json names', () => {
  expect(TEMPORAL_SERVER_VERSION).toBe(versions.temporalServer);
  expect(TEMPORAL_UI_VERSION).toBe(versions.temporalUi);
  const paths = cachedServerPaths();
  expect(paths.server).toContain(path.join('temporal-server', versions.temporalServer, 'temporal-server'));
  expect(paths.ui).toContain(path.join('temporal-ui-server', versions.temporalUi, 'ui-server'));
});

test('docker-compose.yml runs the same Temporal server and Web UI', () => {
  expect(tags('server')).toEqual([versions.temporalServer]);
  expect(tags('ui')).toEqual([versions.temporalUi]);
});

test("docker-compose.yml's admin-tools (schema tool and CLI) match the server release", () => {
  const adminTools = tags('admin-tools');
  expect(adminTools.length).toBeGreaterThan(0);
  // Tags are `<server>` or `<server>-tctl-<x>-cli-<y>`.
  for (const tag of adminTools)
    expect(tag).toMatch(new RegExp(`^${versions.temporalServer.replace(/\./g, '\\.')}($|-)`));
});
