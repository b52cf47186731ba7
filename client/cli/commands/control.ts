/**
 * `pause`, `resume`, `bandwidth` and `cancel`: control actions on a running migration. Each checks first that
 * the id is a running migration (a finished one: "… finished (succeeded) at …: nothing to pause", exit 5); a
 * refusal by the workflow's validator is exit 5 too, with the workflow's reason.
 */
import { Command } from 'commander';

import type { MigrationProgress } from '../../../workflows/report-types';
import type { BandwidthWindow } from '../../../workflows/request-types';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import { MigrationClient } from '../../migration-client';
import { withClient, withConnectionOptions, type ConnectionFlags } from '../connect';
import { action, examples, issuesText, optionsOf, type CliContext } from '../context';
import { CliError, EXIT, type ExitCode } from '../exit-codes';
import { assertRunning, findWorkflow } from '../id-kind';
import { readJson } from '../io';

type ControlOptions = ConnectionFlags & { json?: boolean; file?: string };

/** A request that is valid in every field but the bandwidth policy: checks a policy with the request's own rules. */
const POLICY_PROBE = {
  task_type: 'object',
  src_node: { region: 'cn-north-4', bucket: 'source', credential_profile: 'p', object_key: [''] },
  dst_node: { region: 'cn-north-4', bucket: 'destination', credential_profile: 'p' },
};

/**
 * Reads and checks a bandwidth policy file before any connection (the workflow checks it again).
 * @throws CliError `usage` without `--file`, `invalid_input` naming each problem.
 */
export function readBandwidthPolicy(file: string | undefined): BandwidthWindow[] {
  if (!file) throw new CliError('usage', 'Missing --file.');
  const policy = readJson(file);
  const check = validateMigrationRequest({ ...POLICY_PROBE, bandwidth_policy: policy });
  const issues = check.ok ? [] : check.errors.filter((e) => e.field.startsWith('bandwidth_policy'));
  if (issues.length > 0) throw new CliError('invalid_input', issuesText('bandwidth policy', issues));
  return policy as BandwidthWindow[];
}

interface ControlSpec {
  name: 'pause' | 'resume' | 'bandwidth' | 'cancel';
  description: string;
  /** "nothing to pause": why the action does not apply to a finished migration. */
  nothingTo: string;
  examples: string[];
  /** What it does; returns the progress the workflow answered with, when it answers. */
  run(mc: MigrationClient, id: string, options: ControlOptions): Promise<MigrationProgress | undefined>;
  /** The confirmation printed (human output). */
  done(id: string): string;
}

const SPECS: ControlSpec[] = [
  {
    name: 'pause',
    description: 'pause a running migration (OMS StopTask); resume with `resume`',
    nothingTo: 'nothing to pause',
    examples: ['oms-orchestrator pause m-2024-nightly'],
    run: (mc, id) => mc.pause(id),
    done: (id) => `Paused ${id}`,
  },
  {
    name: 'resume',
    description: 'resume a paused migration (OMS StartTask, credentials resolved on the worker)',
    nothingTo: 'nothing to resume',
    examples: ['oms-orchestrator resume m-2024-nightly'],
    run: (mc, id) => mc.resume(id),
    done: (id) => `Resumed ${id}`,
  },
  {
    name: 'bandwidth',
    description:
      'replace the bandwidth policy of a running migration\n' +
      'policy.json: [{"start":"00:00","end":"23:59","max_bandwidth":52428800}] (bytes/s, 1 MiB/s..200 MiB/s)',
    nothingTo: 'its bandwidth can no longer be changed',
    examples: ['oms-orchestrator bandwidth m-2024-nightly --file policy.json'],
    run: (mc, id, options) => mc.setBandwidth(id, readBandwidthPolicy(options.file)),
    done: (id) => `Bandwidth policy of ${id} updated`,
  },
  {
    name: 'cancel',
    description: 'cancel a running migration (its OMS task is stopped unless the request said detach)',
    nothingTo: 'nothing to cancel',
    examples: ['oms-orchestrator cancel m-2024-nightly'],
    run: async (mc, id) => {
      await mc.cancel(id);
      return undefined;
    },
    done: (id) => `Cancellation requested for ${id} (see \`oms-orchestrator report ${id}\` for how it ended)`,
  },
];

function controlCommand(ctx: CliContext, spec: ControlSpec): Command {
  const command = new Command(spec.name)
    .summary(spec.description.split('\n')[0]!)
    .description(spec.description)
    .argument('<migration-id>', 'the migration (workflow) id')
    .option('--json', 'print the answer as one JSON document');
  if (spec.name === 'bandwidth') command.option('--file <policy.json>', 'the new policy (JSON array of windows)');
  return withConnectionOptions(command)
    .addHelpText('after', examples(...spec.examples))
    .action(
      action(ctx, async (id: string, _opts: unknown, cmd: Command): Promise<ExitCode> => {
        const options = optionsOf<ControlOptions>(cmd);
        // A bad policy file is refused before connecting.
        if (spec.name === 'bandwidth') readBandwidthPolicy(options.file);
        return withClient(options, async ({ client, taskQueue }) => {
          const found = await findWorkflow(client, id, 'migration');
          assertRunning(found, spec.nothingTo);
          const progress = await spec.run(new MigrationClient(client, taskQueue), id, options);
          if (options.json) {
            ctx.io.out(
              JSON.stringify(
                { migration_id: id, action: spec.name, accepted: true, ...(progress ? { progress } : {}) },
                null,
                2,
              ),
            );
          } else ctx.io.out(spec.done(id));
          return EXIT.OK;
        });
      }),
    );
}

/** Registers `pause`, `resume`, `bandwidth` and `cancel`. */
export function controlCommands(ctx: CliContext): Command[] {
  return SPECS.map((spec) => controlCommand(ctx, spec));
}
