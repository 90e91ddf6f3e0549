/**
 * ecs-autopilot CLI. Plain lines for people and CI logs, `--json` for machines, and exit codes a
 * pipeline can trust: 0 success, 1 failure (invalid config, failed run), 2 wrong usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../shared/config/duration.ts';
import { automationJsonSchema, JSON_SCHEMA_FILE } from '../shared/config/json-schema.ts';
import { DEFAULT_CONFIG_FILE, loadAutomationFile } from '../shared/config/load.ts';
import { ConfigError } from '../shared/errors.ts';
import { scaleTargetAt } from '../shared/scaling/periods.ts';
import { explainEvent, explanationLines } from './explain.ts';
import { EXIT, type Io, processIo, table, UsageError } from './output.ts';
import { describeScaleDecision, planFirings } from './plan.ts';
import { readRuns, runRows } from './runs.ts';
import { validateCommand } from './validate.ts';

const HELP = `ecs-autopilot — automation for Amazon ECS

Usage: ecs-autopilot <command> [options]

Commands:
  validate [--config FILE] [--json]           check automation.yml; every problem on its own line
  plan [--config FILE] [--from ISO] [--hours N] [--json]
                                              job firings and scaling changes in the window, local time and UTC (no AWS)
  runs <job> [--limit N] [--stage S] [--table NAME] [--region R] [--profile P] [--json]
                                              run history from the deployed state table
  explain --event FILE [--config FILE] [--json]
                                              why a task stopped and what the config would do (no AWS)
  resume <watched task> [--stage S] [--table NAME] [--bus NAME] [--region R] [--profile P] [--config FILE]
                                              resume restarts paused by a crash loop and start one task now
  deploy <app> (--task-definition ARN | --image CONTAINER=IMAGE ...) [--wait] [--timeout 2h] [CONNECTION] [--json]
                                              request a blue/green deployment and print its id; --wait follows it to its
                                              end (exit 0 succeeded, 1 rolled back, failed, rejected or --timeout reached;
                                              default timeout: the longest the app's deployment can take)
  status [app] [CONNECTION] [--json]          an app's current deployment, its weights and recent ones; every app without one
  promote <app> [CONNECTION]                  end the current pause of the app's deployment (its gates are checked first)
  abort <app> [--reason TEXT] [CONNECTION]    roll the app's deployment back now
  sandbox [--config FILE] [--scenario FILE] [--from ISO] [--hours N] [--endpoint URL] [--json]
                                              rehearse the schedules against a local emulator
  schema [--write]                            print (or write ${JSON_SCHEMA_FILE}) the JSON Schema of automation.yml

CONNECTION: [--config FILE] [--stage S] [--table NAME] [--bus NAME] [--region R] [--profile P]
  (table ecs-autopilot-<stage>-state and bus ecs-autopilot-<stage> unless named; times printed in UTC)

Exit codes: 0 success, 1 failure, 2 wrong usage.`;

const OPTIONS = {
  config: { type: 'string', default: DEFAULT_CONFIG_FILE },
  json: { type: 'boolean', default: false },
  from: { type: 'string' },
  hours: { type: 'string' },
  limit: { type: 'string', default: '20' },
  stage: { type: 'string', default: 'dev' },
  table: { type: 'string' },
  bus: { type: 'string' },
  event: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  scenario: { type: 'string' },
  endpoint: { type: 'string' },
  write: { type: 'boolean', default: false },
  'task-definition': { type: 'string' },
  image: { type: 'string', multiple: true },
  wait: { type: 'boolean', default: false },
  timeout: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function positiveNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

function instant(text: string | undefined, fallback: Date): Date {
  if (text === undefined) return fallback;
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw new UsageError(`--from must be an ISO 8601 time such as 2026-11-23T00:00:00Z, got "${text}"`);
  return value;
}

function duration(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0) throw new UsageError(`--${name} must be a duration such as 30m, 2h or 1h30m, got "${text}"`);
  return seconds;
}

/** The deployed table and bus the deployment commands talk to; --profile as runs and resume take it. */
function connection(values: {
  stage: string;
  table?: string | undefined;
  bus?: string | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
  profile?: string | undefined;
}) {
  if (values.profile) process.env.AWS_PROFILE = values.profile;
  return {
    tableName: values.table ?? `ecs-autopilot-${values.stage}-state`,
    busName: values.bus ?? `ecs-autopilot-${values.stage}`,
    region: values.region,
    endpoint: values.endpoint,
  };
}

/** The process's own output on a terminal gets the progress bar, redrawn in place. */
function terminalIo(io: Io) {
  return io === processIo ? { ...io, isTTY: process.stdout.isTTY === true, write: (text: string) => void process.stdout.write(text) } : io;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      io.out(HELP);
      return command || values.help ? EXIT.ok : EXIT.usage;
    }
    switch (command) {
      case 'validate':
        return validateCommand(values.config, io, values.json);
      case 'plan': {
        const automation = loadAutomationFile(values.config);
        const from = instant(values.from, new Date());
        const planned = planFirings(automation, from, positiveNumber(values.hours, 'hours', 24));
        if (values.json) {
          io.out(JSON.stringify(planned, null, 2));
        } else {
          const scaled = Object.values(automation.services).filter((watch) => watch.scaling);
          const firings = planned.filter((p) => p.kind === 'job').length;
          const changes = planned.length - firings;
          const counted = `${firings} firing${firings === 1 ? '' : 's'}${
            scaled.length ? ` and ${changes} scaling change${changes === 1 ? '' : 's'}` : ''
          }`;
          io.out(`${counted} from ${from.toISOString()} for ${values.hours ?? 24}h`);
          for (const line of table(
            planned.map((p) =>
              p.kind === 'job' ? [p.local, p.at, p.kind, p.name, p.launches] : [p.local, p.at, p.kind, `${p.name} (${p.cluster})`, p.what],
            ),
            ['LOCAL TIME', 'UTC', 'KIND', 'NAME', 'WHAT'],
          )) {
            io.out(line);
          }
          for (const watch of scaled) {
            if (watch.scaling)
              io.out(`${watch.key} (${watch.cluster}) at the start: ${describeScaleDecision(scaleTargetAt(watch.scaling, from))}`);
          }
          const suspended = Object.values(automation.jobs).filter((job) => job.suspended);
          if (suspended.length) io.out(`suspended (no firings): ${suspended.map((job) => job.name).join(', ')}`);
        }
        return EXIT.ok;
      }
      case 'runs': {
        const job = rest[0];
        if (!job) throw new UsageError('runs needs a job name: ecs-autopilot runs <job>');
        if (values.profile) process.env.AWS_PROFILE = values.profile;
        const runs = await readRuns({
          job,
          limit: positiveNumber(values.limit, 'limit', 20),
          tableName: values.table ?? `ecs-autopilot-${values.stage}-state`,
          region: values.region,
        });
        if (values.json) io.out(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) io.out(`no runs recorded for ${job}`);
        else for (const line of table(runRows(runs), ['SCHEDULED (UTC)', 'ATTEMPT', 'STATUS', 'TASKS', 'REASON'])) io.out(line);
        return EXIT.ok;
      }
      case 'explain': {
        if (!values.event) throw new UsageError('explain needs the event: ecs-autopilot explain --event FILE');
        const automation = loadAutomationFile(values.config);
        let event: unknown;
        try {
          event = JSON.parse(readFileSync(values.event, 'utf8'));
        } catch (error) {
          throw new UsageError(`cannot read the event ${values.event}: ${(error as Error).message}`);
        }
        const explanation = explainEvent(event, automation, new Date());
        if (values.json) io.out(JSON.stringify(explanation, null, 2));
        else for (const line of explanationLines(explanation)) io.out(line);
        return EXIT.ok;
      }
      case 'resume': {
        const name = rest[0];
        if (!name) throw new UsageError('resume needs a watched task name: ecs-autopilot resume <name>');
        if (values.profile) process.env.AWS_PROFILE = values.profile;
        const { resumeCommand } = await import('./resume.ts');
        const result = await resumeCommand({
          name,
          automation: loadAutomationFile(values.config),
          tableName: values.table ?? `ecs-autopilot-${values.stage}-state`,
          busName: values.bus ?? `ecs-autopilot-${values.stage}`,
          region: values.region,
          endpoint: values.endpoint,
        });
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else if (result.action === 'resumed')
          io.out(`${name}: restarts resumed (${result.reason})${result.taskArn ? `; started ${result.taskArn}` : ''}`);
        else io.out(`${name}: nothing to resume: ${result.reason}`);
        return EXIT.ok;
      }
      case 'deploy':
      case 'status':
      case 'promote':
      case 'abort': {
        const app = rest[0];
        const automation = loadAutomationFile(values.config);
        const deploy = await import('./deploy.ts');
        const deps = deploy.awsDeploymentDeps(connection(values), terminalIo(io));
        if (command === 'status') return await deploy.statusCommand({ app, automation, json: values.json }, deps);
        if (!app) throw new UsageError(`${command} needs an app name: ecs-autopilot ${command} <app>`);
        if (command === 'promote') return await deploy.promoteCommand({ app, automation, json: values.json }, deps);
        if (command === 'abort') return await deploy.abortCommand({ app, automation, json: values.json, reason: values.reason }, deps);
        return await deploy.deployCommand(
          {
            app,
            automation,
            taskDefinition: values['task-definition'],
            images: values.image && deploy.parseImages(values.image),
            wait: values.wait,
            timeoutSeconds: duration(values.timeout, 'timeout'),
            json: values.json,
          },
          deps,
        );
      }
      case 'sandbox': {
        const { sandboxCommand } = await import('./sandbox.ts');
        return await sandboxCommand({ ...values, from: values.from === undefined ? undefined : instant(values.from, new Date()) }, io);
      }
      case 'schema': {
        const schema = automationJsonSchema();
        if (values.write) {
          writeFileSync(JSON_SCHEMA_FILE, schema);
          io.out(`wrote ${JSON_SCHEMA_FILE}`);
        } else {
          io.out(schema.trimEnd());
        }
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) io.err(problem);
      return EXIT.failed;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err((error as Error).message);
      return EXIT.usage;
    }
    io.err(`error: ${(error as Error).message}`);
    return EXIT.failed;
  }
}
