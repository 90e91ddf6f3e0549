/**
 * ecs-autopilot CLI. Plain lines for people and CI logs, `--json` for machines, and exit codes a
 * pipeline can trust: 0 success, 1 failure (invalid config, failed run), 2 wrong usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../shared/config/duration.ts';
import { parseInstant } from '../shared/config/instant.ts';
import { automationJsonSchema, JSON_SCHEMA_FILE } from '../shared/config/json-schema.ts';
import { DEFAULT_CONFIG_FILE, loadAutomationFile } from '../shared/config/load.ts';
import type { Automation } from '../shared/config/schema.ts';
import { ConfigError } from '../shared/errors.ts';
import { scaleTargetAt } from '../shared/scaling/periods.ts';
import { awsErrorMessage, connectionInUse } from './aws-errors.ts';
import { CONNECTION, OPTIONS, type OptionName, optionLines, parseArgsOptions, positiveNumber } from './options.ts';
import { EXIT, type Io, processIo, table, UsageError } from './output.ts';
import { cutLine, describeScaleDecision, pinnedBoundsNote, planFirings, scalingNoteLines } from './plan.ts';
import { checkJobName, FAILED_STATUSES, parseStatus, readRuns, runColumns, runRows } from './runs.ts';
import { daylightSavingLines, printNotices, validateCommand } from './validate.ts';

/** What parseArgs gives a command: its options' values (strings, booleans, lists). */
type Values = Record<string, string | boolean | string[] | undefined>;

interface Command {
  /** After `ecs-autopilot <name>`: the positionals and option summary. */
  usage: string;
  summary: string;
  /** More lines for `<command> --help`. */
  details?: string[];
  options: readonly OptionName[];
  run(args: { values: Values; positionals: string[]; io: Io }): Promise<number> | number;
}

const string = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

/** `--from`: strict ISO 8601; without an offset, read in the zone that applies (the config's, or the scenario's). */
function instant(text: string | undefined, timeZone: string, fallback: Date): Date {
  if (text === undefined) return fallback;
  const parsed = parseInstant(text, timeZone);
  if (!parsed.ok) throw new UsageError(`--from: ${parsed.problem}`);
  return parsed.instant;
}

function duration(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0) throw new UsageError(`--${name} must be a duration such as 30m, 2h or 1h30m, got "${text}"`);
  return seconds;
}

/** Silences live in the state table alone: no automation file, no bus. */
const SILENCE_CONNECTION = CONNECTION.filter((name) => name !== 'bus' && name !== 'config');

/** The deployed table and bus the AWS commands talk to. */
function connection(values: Values) {
  const stage = string(values, 'stage') ?? 'dev';
  const profile = string(values, 'profile');
  if (profile) process.env.AWS_PROFILE = profile;
  return {
    stage,
    tableName: string(values, 'table') ?? `ecs-autopilot-${stage}-state`,
    busName: string(values, 'bus') ?? `ecs-autopilot-${stage}`,
    region: string(values, 'region'),
    endpoint: string(values, 'endpoint'),
    profile,
  };
}

function suspendOptions(job: string, values: Values) {
  return {
    job,
    automation: config(values),
    file: string(values, 'config') ?? DEFAULT_CONFIG_FILE,
    comment: string(values, 'comment'),
    json: values.json === true,
  };
}

/** The process's own output on a terminal gets the progress bar, redrawn in place. */
function terminalIo(io: Io) {
  return io === processIo ? { ...io, isTTY: process.stdout.isTTY === true, write: (text: string) => void process.stdout.write(text) } : io;
}

/** The automation file, with the overlay of --stage when the command takes it (automation.<stage>.yml, if there is one). */
function config(values: Values): Automation {
  return loadAutomationFile(string(values, 'config'), string(values, 'stage'));
}

function planCommand({ values, io }: { values: Values; io: Io }): number {
  const automation = config(values);
  const hours = positiveNumber(string(values, 'hours'), 'hours', 24);
  const from = instant(string(values, 'from'), automation.timezone, new Date());
  const { planned, cut } = planFirings(automation, from, hours);
  // On stderr in both forms: --json's stdout stays the array of firings it always was.
  const dst = daylightSavingLines(automation, from, new Date(from.getTime() + hours * 3_600_000));
  const notices = { ...dst, warnings: [...(cut ? [cutLine(cut)] : []), ...dst.warnings] };
  if (values.json) {
    io.out(JSON.stringify(planned, null, 2));
    printNotices(io, notices);
    return EXIT.ok;
  }
  const scaled = Object.values(automation.services).filter((watch) => watch.scaling);
  const firings = planned.filter((p) => p.kind === 'job').length;
  const changes = planned.length - firings;
  const counted = `${firings} firing${firings === 1 ? '' : 's'}${scaled.length ? ` and ${changes} scaling change${changes === 1 ? '' : 's'}` : ''}`;
  io.out(`${cut ? 'the first ' : ''}${counted} from ${from.toISOString()} for ${hours}h`);
  const rows = planned.map((p) =>
    p.kind === 'job'
      ? [p.local, p.at, p.kind, p.name, p.starts ? `${p.starts}: ${p.launches}` : p.launches]
      : [p.local, p.at, p.kind, `${p.name} (${p.cluster})`, p.what],
  );
  for (const line of table(rows, ['LOCAL TIME', 'UTC', 'KIND', 'NAME', 'WHAT'])) io.out(line);
  const starts = scaled.flatMap((watch) => (watch.scaling ? [{ watch, start: scaleTargetAt(watch.scaling, from) }] : []));
  for (const { watch, start } of starts) io.out(`${watch.key} (${watch.cluster}) at the start: ${describeScaleDecision(start)}`);
  const startNotes = starts.map(({ watch, start }) => ({
    name: watch.key,
    cluster: watch.cluster,
    note: pinnedBoundsNote(start.target, start.because),
  }));
  for (const line of scalingNoteLines(planned, startNotes)) io.out(line);
  const suspended = Object.values(automation.jobs).filter((job) => job.suspended);
  if (suspended.length) io.out(`suspended (no firings): ${suspended.map((job) => job.name).join(', ')}`);
  printNotices(io, notices);
  return EXIT.ok;
}

/** `retry` and `undo`: a new deployment of a revision the app's last deployment names. */
async function redeploy(kind: 'retry' | 'undo', { values, positionals, io }: { values: Values; positionals: string[]; io: Io }) {
  const app = positionals[0];
  if (!app) throw new UsageError(`${kind} needs an app name: ecs-autopilot ${kind} <app>`);
  const deploy = await import('./deploy.ts');
  const { redeployCommand } = await import('./redeploy.ts');
  const options = {
    kind,
    app,
    automation: config(values),
    wait: values.wait === true,
    timeoutSeconds: duration(string(values, 'timeout'), 'timeout'),
    json: values.json === true,
  };
  return redeployCommand(options, deploy.awsDeploymentDeps(connection(values), terminalIo(io)));
}

const COMMANDS: Record<string, Command> = {
  validate: {
    usage: 'validate [--config FILE] [--json]',
    summary: 'check automation.yml, alone and with each stage overlay beside it; every problem on its own line',
    options: ['config', 'json'],
    run: ({ values, io }) => validateCommand(string(values, 'config') ?? '', io, values.json === true),
  },
  plan: {
    usage: 'plan [--config FILE] [--stage S] [--from ISO] [--hours N] [--json]',
    summary: 'job firings and scaling changes in the window, local time and UTC (no AWS)',
    details: ['--from without an offset is read in defaults.timezone of the automation file (UTC without one).'],
    options: ['config', 'stage', 'from', 'hours', 'json'],
    run: planCommand,
  },
  runs: {
    usage: 'runs [job] [--failed] [--status STATUS] [--since 7d] [--limit N] [CONNECTION] [--json]',
    summary: "run history from the deployed state table: one job's, or every job's newest first",
    details: [
      'Without a job, the runs of every job of the automation file scheduled in --since (default 7d).',
      '--failed: failed and timed-out runs; --status: one status. DURATION: from launch to the end of its tasks.',
    ],
    options: ['failed', 'status', 'since', 'limit', ...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, positionals, io }) {
      const job = positionals[0];
      const automation = config(values);
      if (job) checkJobName(automation, job, string(values, 'config') ?? DEFAULT_CONFIG_FILE);
      const status = string(values, 'status');
      if (values.failed && status) throw new UsageError('--failed and --status are alternatives: give one');
      const statuses = values.failed ? FAILED_STATUSES : status === undefined ? undefined : [parseStatus(status)];
      const sinceSeconds = duration(string(values, 'since'), 'since') ?? (job ? undefined : 7 * 86_400);
      const since = sinceSeconds === undefined ? undefined : new Date(Date.now() - sinceSeconds * 1000);
      const jobs = job ? [job] : Object.keys(automation.jobs);
      const limit = positiveNumber(string(values, 'limit'), 'limit', 20);
      const runs = await readRuns({ jobs, limit, since, statuses, ...connection(values) });
      if (values.json) io.out(JSON.stringify(runs, null, 2));
      else if (runs.length === 0) io.out(`no runs recorded for ${job ?? 'any job'}${since ? ` since ${since.toISOString()}` : ''}`);
      else for (const line of table(runRows(runs, !job), runColumns(!job))) io.out(line);
      return EXIT.ok;
    },
  },
  jobs: {
    usage: 'jobs [CONNECTION] [--json]',
    summary: 'every job: its schedule, next firing (local and UTC), suspension, what runs, its last outcome and success',
    options: [...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, io }) {
      const cli = await import('./jobs.ts');
      return cli.jobsCommand({ automation: config(values), json: values.json === true }, cli.awsOperatorDeps(connection(values)), io);
    },
  },
  run: {
    usage: 'run <job> [--id ID] [--wait] [--timeout DURATION] [CONNECTION] [--json]',
    summary: "launch a job now as a manual run, with the job's policies (run-batch-job does it)",
    details: [
      'The same --id again is the same run: nothing is launched twice. Exit 1 when it cannot launch (a suspended job,',
      'concurrency forbid behind a running run, no capacity). --wait follows it and its retries: exit 0 succeeded, 1 failed,',
      'timed out, or --timeout reached.',
    ],
    options: ['id', 'wait', 'timeout', ...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, positionals, io }) {
      const job = positionals[0];
      if (!job) throw new UsageError('run needs a job name: ecs-autopilot run <job>');
      const cli = await import('./jobs.ts');
      const options = {
        job,
        automation: config(values),
        file: string(values, 'config') ?? DEFAULT_CONFIG_FILE,
        id: string(values, 'id'),
        wait: values.wait === true,
        timeoutSeconds: duration(string(values, 'timeout'), 'timeout'),
        json: values.json === true,
      };
      return cli.runCommand(options, cli.awsOperatorDeps(connection(values)), io);
    },
  },
  suspend: {
    usage: 'suspend <job> [--comment TEXT] [CONNECTION] [--json]',
    summary: 'suspend a job at run time, without a redeploy: its firings are recorded skipped',
    options: ['comment', ...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, positionals, io }) {
      const job = positionals[0];
      if (!job) throw new UsageError('suspend needs a job name: ecs-autopilot suspend <job>');
      const cli = await import('./jobs.ts');
      const options = suspendOptions(job, values);
      return cli.suspendCommand(options, cli.awsOperatorDeps(connection(values)), io);
    },
  },
  unsuspend: {
    usage: 'unsuspend <job> [CONNECTION] [--json]',
    summary: 'end a suspension at run time; with catchUp: latest, the latest missed firing is launched once',
    options: [...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, positionals, io }) {
      const job = positionals[0];
      if (!job) throw new UsageError('unsuspend needs a job name: ecs-autopilot unsuspend <job>');
      const cli = await import('./jobs.ts');
      return cli.unsuspendCommand(suspendOptions(job, values), cli.awsOperatorDeps(connection(values)), io);
    },
  },
  stops: {
    usage: 'stops <service|watched task> [--since 7d] [--limit N] [CONNECTION] [--json]',
    summary: 'stop history of a service or watched task, newest first, from the deployed state table',
    details: ['Each stop: when, the task, its category, exit codes and stop code, what ecs-autopilot did, why it stopped.'],
    options: ['since', 'limit', ...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, positionals, io }) {
      const name = positionals[0];
      if (!name) throw new UsageError('stops needs a service or watched task name: ecs-autopilot stops <name>');
      const { readStops, STOP_COLUMNS, stopPartitions, stopRows } = await import('./stops.ts');
      const partitions = stopPartitions(config(values), name, string(values, 'config') ?? DEFAULT_CONFIG_FILE);
      const since = new Date(Date.now() - (duration(string(values, 'since'), 'since') ?? 7 * 86_400) * 1000);
      const limit = positiveNumber(string(values, 'limit'), 'limit', 20);
      const stops = await readStops({ partitions, since, limit, ...connection(values) });
      if (values.json) io.out(JSON.stringify(stops, null, 2));
      else if (stops.length === 0) io.out(`no stops recorded for ${name} since ${since.toISOString()}`);
      else for (const line of table(stopRows(stops), STOP_COLUMNS)) io.out(line);
      return EXIT.ok;
    },
  },
  alerts: {
    usage: 'alerts [--all] [CONNECTION] [--json]',
    summary: 'the alert groups firing now (--all: and those resolved in the last day), what they held back, and the silences',
    details: [
      'Each group: its labels, events counted, messages sent and held back (silenced, muted, inhibited), its next message.',
      'Which groups are inhibited now is decided by notifications.inhibit of the automation file (--config).',
    ],
    options: ['all', ...CONNECTION.filter((name) => name !== 'bus'), 'json'],
    async run({ values, io }) {
      const { ALERT_COLUMNS, alertNotes, alertRows, readAlerts } = await import('./alerts.ts');
      const { inhibit } = config(values).notifications;
      const report = await readAlerts({ all: values.all === true, inhibit, now: new Date(), ...connection(values) });
      if (values.json) {
        io.out(JSON.stringify(report, null, 2));
        return EXIT.ok;
      }
      const firing = report.groups.filter((group) => group.status === 'firing').length;
      const resolved = report.groups.length - firing;
      io.out(`${firing} firing${values.all ? `, ${resolved} resolved in the last day` : ''}`);
      if (report.groups.length > 0) for (const line of table(alertRows(report.groups), ALERT_COLUMNS)) io.out(line);
      for (const line of alertNotes(report)) io.out(line);
      return EXIT.ok;
    },
  },
  explain: {
    usage:
      'explain (--event FILE [--task ARN] | --task ARN [--cluster NAME]) [--task-definition-file FILE] [--config FILE] [--region R] [--profile P] [--endpoint URL] [--json]',
    summary: 'why a task stopped and what the config would do, decided as the Lambda decides it',
    details: [
      '',
      'The stopped task, from a file (--event FILE, or --event - for standard input), in any of these shapes:',
      '  the EventBridge "ECS Task State Change" event; its detail (one task);',
      '  the output of aws ecs describe-tasks (every task is explained, or the one --task names).',
      'Or live: --task ARN --cluster NAME reads it with DescribeTasks, while ECS still has it (about an hour after it stops).',
      '',
      'Which containers are essential decides whose exit code counts (a sidecar exiting 1 does not fail the task).',
      'explain reads the task definition with DescribeTaskDefinition, as the Lambda does, when it reads the task live',
      'or is given --region, --profile or --endpoint (default region: the one the task ARN names);',
      'or from --task-definition-file FILE (aws ecs describe-task-definition --task-definition <arn>).',
      "Otherwise it says the flags are not known and counts every container's exit code.",
      '',
      '--json: one object; an array for every task of a describe-tasks output. Exit 1 when a task cannot be explained.',
    ],
    options: ['event', 'task', 'cluster', 'task-definition-file', 'config', 'region', 'profile', 'endpoint', 'json'],
    async run({ values, io }) {
      const { explainCommand } = await import('./explain.ts');
      const { region, endpoint, profile } = connection(values);
      return explainCommand(
        {
          event: string(values, 'event'),
          task: string(values, 'task'),
          cluster: string(values, 'cluster'),
          taskDefinitionFile: string(values, 'task-definition-file'),
          automation: config(values),
          region,
          profile,
          endpoint,
          json: values.json === true,
        },
        io,
      );
    },
  },
  resume: {
    usage: 'resume <watched task> [CONNECTION] [--json]',
    summary: 'resume restarts paused by a crash loop and start one task now',
    options: [...CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const name = positionals[0];
      if (!name) throw new UsageError('resume needs a watched task name: ecs-autopilot resume <name>');
      const { resumeCommand } = await import('./resume.ts');
      const result = await resumeCommand({ name, automation: config(values), ...connection(values) });
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else if (result.action === 'resumed')
        io.out(`${name}: restarts resumed (${result.reason})${result.taskArn ? `; started ${result.taskArn}` : ''}`);
      else io.out(`${name}: nothing to resume: ${result.reason}`);
      return EXIT.ok;
    },
  },
  deploy: {
    usage: 'deploy <app> (--task-definition ARN | --image CONTAINER=IMAGE ...) [--wait] [--timeout 2h] [--dry-run] [CONNECTION] [--json]',
    summary: 'request a blue/green deployment and print its id',
    details: [
      '--wait follows it to its end: exit 0 succeeded; 1 rolled back, failed, rejected or --timeout reached.',
      "The default timeout is the longest the app's deployment can take.",
      '--dry-run requests nothing: it prints the steps, gates, hooks and timings, and checks the listener, target groups,',
      'services, gate alarms, the revision (when named) and the bus as they are now: exit 0 when all is well, 1 with the problems.',
    ],
    options: ['task-definition', 'image', 'wait', 'timeout', 'dry-run', ...CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const app = positionals[0];
      if (!app) throw new UsageError('deploy needs an app name: ecs-autopilot deploy <app>');
      const deploy = await import('./deploy.ts');
      const automation = config(values);
      const images = values.image as string[] | undefined;
      if (values['dry-run']) {
        if (string(values, 'task-definition') && images?.length)
          throw new UsageError('deploy --dry-run checks at most one of --task-definition ARN or --image container=image');
        if (values.wait || string(values, 'timeout') !== undefined)
          throw new UsageError('--dry-run requests nothing to wait for: drop --wait and --timeout');
        const { awsDryRunDeps, dryRunCommand } = await import('./dry-run.ts');
        return dryRunCommand(
          deploy.appOf(automation, app),
          { taskDefinition: string(values, 'task-definition'), images: images && deploy.parseImages(images), json: values.json === true },
          awsDryRunDeps(connection(values), io),
        );
      }
      return deploy.deployCommand(
        {
          app,
          automation,
          taskDefinition: string(values, 'task-definition'),
          images: images && deploy.parseImages(images),
          wait: values.wait === true,
          timeoutSeconds: duration(string(values, 'timeout'), 'timeout'),
          json: values.json === true,
        },
        deploy.awsDeploymentDeps(connection(values), terminalIo(io)),
      );
    },
  },
  status: {
    usage: 'status [app] [--limit N] [CONNECTION] [--json]',
    summary: "an app's current deployment, its weights and recent ones; every app without one",
    details: ['--limit: how many of the app’s earlier deployments are listed below the current one (default 5, at most 100).'],
    options: ['limit', ...CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const limitText = string(values, 'limit');
      if (limitText !== undefined && positionals[0] === undefined)
        throw new UsageError('--limit lists the deployments of one app: status <app> --limit N');
      const historyLimit = positiveNumber(limitText, 'limit', 5);
      if (!Number.isInteger(historyLimit) || historyLimit > 100)
        throw new UsageError(`--limit must be a whole number from 1 to 100, got "${limitText}"`);
      const deploy = await import('./deploy.ts');
      const automation = config(values);
      const deps = deploy.awsDeploymentDeps(connection(values), terminalIo(io));
      return deploy.statusCommand({ app: positionals[0], automation, json: values.json === true, historyLimit }, deps);
    },
  },
  promote: {
    usage: 'promote <app> [--full] [CONNECTION] [--json]',
    summary: "end the current pause of the app's deployment (its gates are checked first)",
    details: ['--full skips every step and pause left: straight to 100% once the gates pass, then the bake as usual.'],
    options: ['full', ...CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const app = positionals[0];
      if (!app) throw new UsageError('promote needs an app name: ecs-autopilot promote <app>');
      const deploy = await import('./deploy.ts');
      const automation = config(values);
      return deploy.promoteCommand(
        { app, automation, json: values.json === true, full: values.full === true },
        deploy.awsDeploymentDeps(connection(values), terminalIo(io)),
      );
    },
  },
  abort: {
    usage: 'abort <app> [--reason TEXT] [CONNECTION] [--json]',
    summary: "roll the app's deployment back now",
    options: ['reason', ...CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const app = positionals[0];
      if (!app) throw new UsageError('abort needs an app name: ecs-autopilot abort <app>');
      const deploy = await import('./deploy.ts');
      const automation = config(values);
      return deploy.abortCommand(
        { app, automation, json: values.json === true, reason: string(values, 'reason') },
        deploy.awsDeploymentDeps(connection(values), terminalIo(io)),
      );
    },
  },
  retry: {
    usage: 'retry <app> [--wait] [--timeout 2h] [CONNECTION] [--json]',
    summary: "deploy again the revision of the app's last deployment, which failed or rolled back, as a new deployment",
    details: [
      'The new deployment (its id printed) runs the same task definition revision the last one registered or named, with the',
      "app's steps and gates, and names the one it retries. --wait as for deploy.",
    ],
    options: ['wait', 'timeout', ...CONNECTION, 'json'],
    run: (args) => redeploy('retry', args),
  },
  undo: {
    usage: 'undo <app> [--wait] [--timeout 2h] [CONNECTION] [--json]',
    summary: "deploy again the revision that was live before the app's last deployment, which succeeded",
    details: ["A deployment like any other (the app's steps and gates), naming the one it undoes. --wait as for deploy."],
    options: ['wait', 'timeout', ...CONNECTION, 'json'],
    run: (args) => redeploy('undo', args),
  },
  silence: {
    usage: 'silence <matcher>... --for DURATION [--comment TEXT] [CONNECTION] [--json]',
    summary: 'hold back the alerts that match, for a while; prints the silence id',
    details: [
      'A matcher is label=value, label!=value, label=~regex or label!~regex over cluster, subject, category, severity;',
      'all must match. subject is <kind>:<name> (job:nightly-report), or a name of any kind (nightly-report).',
      'Regexes match the whole value. Quote for the shell: ecs-autopilot silence \'category=~"crash-loop|app-error"\' --for 2h',
    ],
    options: ['for', 'comment', ...SILENCE_CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const cli = await import('./silences.ts');
      const forSeconds = duration(string(values, 'for'), 'for');
      const request = { matchers: positionals, forSeconds, comment: string(values, 'comment') };
      const silence = await cli.createSilence(request, cli.silenceStore(connection(values)), new Date());
      io.out(values.json ? JSON.stringify(silence, null, 2) : silence.id);
      return EXIT.ok;
    },
  },
  silences: {
    usage: 'silences [--all] [CONNECTION] [--json]',
    summary: 'the active silences (--all: the ended ones too, kept 7 days)',
    options: ['all', ...SILENCE_CONNECTION, 'json'],
    async run({ values, io }) {
      const cli = await import('./silences.ts');
      const now = new Date();
      const silences = await cli.listSilences(cli.silenceStore(connection(values)), values.all === true, now);
      if (values.json) io.out(JSON.stringify(silences, null, 2));
      else if (silences.length === 0) io.out(values.all ? 'no silences' : 'no active silences');
      else for (const line of table(cli.silenceRows(silences, now), cli.SILENCE_COLUMNS)) io.out(line);
      return EXIT.ok;
    },
  },
  unsilence: {
    usage: 'unsilence <id> [CONNECTION] [--json]',
    summary: 'end a silence now (it stays listed by silences --all)',
    options: [...SILENCE_CONNECTION, 'json'],
    async run({ values, positionals, io }) {
      const id = positionals[0];
      if (!id) throw new UsageError('unsilence needs a silence id: ecs-autopilot unsilence <id> (ecs-autopilot silences lists them)');
      const cli = await import('./silences.ts');
      const result = await cli.endSilence(id, cli.silenceStore(connection(values)), new Date());
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else io.out(`silence ${id} ${result.action === 'ended' ? 'ended' : 'had ended'} at ${result.silence.endsAt}`);
      return EXIT.ok;
    },
  },
  sandbox: {
    usage: 'sandbox [--config FILE] [--scenario FILE] [--from ISO] [--hours N] [--endpoint URL] [--json] [--html FILE]',
    summary: 'rehearse the schedules against a local emulator',
    details: [
      "--from without an offset is read in the scenario's timezone (else the first job's); it overrides the scenario's day.",
      '--endpoint: an emulator already running, used as it is; a plain moto_server (without the ECS bridge) is refused at once when the config needs the bridge.',
    ],
    options: ['config', 'scenario', 'from', 'hours', 'endpoint', 'json', 'html'],
    async run({ values, io }) {
      const { sandboxCommand } = await import('./sandbox.ts');
      return sandboxCommand(
        {
          config: string(values, 'config') ?? '',
          scenario: string(values, 'scenario'),
          from: string(values, 'from'),
          hours: string(values, 'hours'),
          endpoint: string(values, 'endpoint'),
          json: values.json === true,
          html: string(values, 'html'),
        },
        io,
      );
    },
  },
  schema: {
    usage: 'schema [--write]',
    summary: `print (or write ${JSON_SCHEMA_FILE}) the JSON Schema of automation.yml`,
    options: ['write'],
    run({ values, io }) {
      const schema = automationJsonSchema();
      if (values.write) {
        writeFileSync(JSON_SCHEMA_FILE, schema);
        io.out(`wrote ${JSON_SCHEMA_FILE}`);
      } else {
        io.out(schema.trimEnd());
      }
      return EXIT.ok;
    },
  },
};

const CONNECTION_HELP = [
  'CONNECTION: [--config FILE] [--stage S] [--table NAME] [--bus NAME] [--region R] [--profile P] [--endpoint URL]',
  '  (table ecs-autopilot-<stage>-state and bus ecs-autopilot-<stage> unless named; times printed in UTC)',
];

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'ecs-autopilot — automation for Amazon ECS',
    '',
    'Usage: ecs-autopilot <command> [options]     ecs-autopilot <command> --help: that command and its options',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    ...CONNECTION_HELP,
    '',
    'Exit codes: 0 success, 1 failure, 2 wrong usage.     ecs-autopilot --version: the version',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: ecs-autopilot ${command.usage}`,
    '',
    `${command.summary[0]?.toUpperCase()}${command.summary.slice(1)}.`,
    ...(command.details ?? []),
    '',
    'Options:',
    ...optionLines(command.options),
    '',
    'Exit codes: 0 success, 1 failure, 2 wrong usage.',
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `ecs-autopilot ${pkg.version} (Node.js ${process.versions.node})`;
}

/** `unknown option --frm for plan` rather than parseArgs' generic text, with where to look. */
function usageProblem(error: Error & { code?: string }, name: string | undefined): UsageError {
  const where = name ? ` for ${name}; see ecs-autopilot ${name} --help` : '; see ecs-autopilot --help';
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return new UsageError(`unknown option ${unknown[1]}${where}`);
  return new UsageError(`${error.message.split('\n')[0]}${where}`);
}

/** The first positional: the command (options may come before it, and their values are not commands). */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-')) return arg;
    const option = OPTIONS[arg.slice(2) as OptionName] as { type: string } | undefined;
    if (arg.startsWith('--') && !arg.includes('=') && option?.type === 'string') i++;
  }
  return undefined;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const name = commandName(argv);
  // Kept for the catch: an AWS error is said in terms of the stage, table, bus, region and profile used.
  let given: Values | undefined;
  try {
    const command = name === undefined ? undefined : COMMANDS[name];
    if (name !== undefined && !command)
      throw new UsageError(`unknown command "${name}"; the commands are: ${Object.keys(COMMANDS).join(', ')}`);
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({
        args: argv,
        options: parseArgsOptions(command ? command.options : ['version']),
        allowPositionals: true,
        strict: true,
      }) as { values: Values; positionals: string[] };
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw usageProblem(error as Error, name);
      throw error;
    }
    const { values, positionals } = parsed;
    given = values;
    if (!command || name === undefined) {
      if (values.version) {
        io.out(version());
        return EXIT.ok;
      }
      io.out(overview());
      return values.help ? EXIT.ok : EXIT.usage;
    }
    if (values.help) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run({ values, positionals: positionals.slice(1), io });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) io.err(problem);
      return EXIT.failed;
    }
    if (error instanceof UsageError) {
      io.err(error.message);
      return EXIT.usage;
    }
    const awsProblem = given && awsErrorMessage(error, connectionInUse(connection(given)));
    io.err(`error: ${awsProblem ?? (error as Error).message}`);
    return EXIT.failed;
  }
}
