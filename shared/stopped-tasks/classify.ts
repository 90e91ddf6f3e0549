/**
 * Why a task stopped, as one StopCategory. Pure and total: every input gets exactly one category and a
 * one-line `because`; nothing here throws, since the facts may also come from stored records or be typed by
 * hand for `explain`.
 *
 * The reason texts are ECS's own (Amazon ECS Developer Guide: "Stopped tasks error codes", "Checking
 * stopped tasks for errors", "API failure reasons", Fargate task maintenance). The first rule that matches
 * wins, in this order:
 *  1. timeout, replaced: ecs-autopilot's own StopTask. ECS reports it as UserInitiated and the exit codes
 *     are the SIGTERM/SIGKILL it caused; only the reason ecs-autopilot gave says why.
 *  2. host-lost, terminated host: "Host EC2 (instance …) terminated/stopped", or TerminationNotice without a
 *     Spot reason. What this relies on: the API reference lists TerminationNotice among TaskStopCode values
 *     beside SpotInterruption without tying it to Spot; the AWS knowledge-center article "Why are my Amazon
 *     ECS container instances terminated unexpectedly?" (ecs-troubleshoot-ec2-instance-termination) names
 *     Auto Scaling activity and TerminateInstances calls as well as Spot interruptions as what terminates a
 *     container instance; and Fargate Spot's notice says "Your Spot Task was interrupted." ("How do I handle
 *     Spot termination notices in AWS Fargate Spot tasks?"; the older notices used TerminationNotice with
 *     that reason). So a terminated host is known to be Spot only by SpotInterruption or that reason, and a
 *     scale-in must not be answered with "add an on-demand capacity provider". What the containers did
 *     afterwards is a consequence.
 *  3. spot-interruption: AWS took the capacity back (also the RUNNING notice); what the containers did
 *     afterwards is a consequence.
 *  4. failed-to-start: the application never ran, so exit codes, if any, say nothing about it.
 *  5. out-of-memory: the kernel killed a container, however ECS then stopped the task.
 *  6. health-check-failed: the scheduler stopped an unhealthy task; its exit code is the signal it sent.
 *  7. host-lost: the EC2 host or the infrastructure under the task went away.
 *  8. scaled-in: the service scheduler stopped it for scaling or a deployment (137 there is a slow SIGTERM
 *     handler, not a crash).
 *  9. user-stopped: UserInitiated, by a person or a tool other than ecs-autopilot.
 * 10. completed / app-error: the exit codes, only when the task stopped by itself (EssentialContainerExited
 *     or no stop code): after any other stop code the exit code is the signal ECS sent.
 * 11. unknown.
 */
import { STOP_REASON_PREFIX } from '../jobs/ownership.ts';
import type { FailedToStartKind } from './categories.ts';
import type { Classification, TaskStopFacts } from './stop-facts.ts';

export interface ClassifyContext {
  /**
   * The task definition's essential containers (essentialContainersOf in links.ts). When given, only they
   * decide completed/app-error/out-of-memory: a sidecar's exit code is a fact, not the cause.
   */
  essentialContainers?: string[] | undefined;
}

/** A container as the rules read it, whatever shape the facts arrived in. */
interface SeenContainer {
  name: string;
  exitCode: number | undefined;
  reason: string;
}

interface Seen {
  lastStatus: string;
  stopCode: string;
  reason: string;
  isSpotNotice: boolean;
  containers: SeenContainer[];
  /** The containers that can be the cause: the essential ones when known, otherwise every one. */
  suspects: SeenContainer[];
  /** The containers whose exit codes decide: the essential ones when known, otherwise every one that has one. */
  deciding: SeenContainer[];
}

type Rule = (seen: Seen) => Classification | undefined;

export function classifyStop(facts: TaskStopFacts, context: ClassifyContext = {}): Classification {
  const seen = observe(facts, context);
  for (const rule of RULES) {
    const classification = rule(seen);
    if (classification) return classification;
  }
  return { category: 'unknown', because: `no rule matched: ${summary(seen)}` };
}

const ownStop: Rule = ({ reason }) => {
  if (!reason.startsWith(STOP_REASON_PREFIX)) return undefined;
  const because = `stopped by ecs-autopilot: ${clip(reason.slice(STOP_REASON_PREFIX.length).trim())}`;
  if (/maxRuntime/i.test(reason)) return { category: 'timeout', because };
  if (/replaced/i.test(reason)) return { category: 'replaced', because };
  return undefined;
};

const HOST_TERMINATED = /Host EC2 \(instance [^)]*\) (?:stopped|terminated)/i;
const SPOT_REASON = /Your Spot Task was interrupted/i;

const hostTerminated: Rule = (seen) => {
  const terminated = HOST_TERMINATED.test(seen.reason) || (seen.stopCode === 'TerminationNotice' && !SPOT_REASON.test(seen.reason));
  if (!terminated) return undefined;
  const notice = seen.isSpotNotice ? 'termination notice, the task stops soon: ' : '';
  return { category: 'host-lost', because: `${notice}${said(seen)}` };
};

const spotInterruption: Rule = (seen) => {
  if (!(seen.stopCode === 'SpotInterruption' || SPOT_REASON.test(seen.reason))) return undefined;
  const notice = seen.isSpotNotice ? 'Spot interruption notice, the task stops in about two minutes: ' : '';
  return { category: 'spot-interruption', because: `${notice}${said(seen)}` };
};

/** The error names ECS puts at the start of a reason; the earliest in a text names the kind. */
const START_ERRORS =
  /(CannotPullContainerError)|(ResourceInitializationError)|(CannotStartContainerError|ContainerRuntimeTimeoutError|DockerTimeoutError)|(CannotCreateVolumeError)/;
const START_ERROR_KINDS: FailedToStartKind[] = ['image-pull', 'resource-initialization', 'container-start', 'volume-creation'];

/** Placement and capacity failures: RESOURCE:MEMORY, EMPTY CAPACITY PROVIDER, a subnet out of addresses… */
const CAPACITY = [
  /\b(?:RESOURCE:[A-Z]+|NO ACTIVE INSTANCES|EMPTY CAPACITY PROVIDER|AGENT|ATTRIBUTE|LOCATION)\b/,
  /capacity is unavailable|InsufficientFreeAddressesInSubnet|placement constraint unsatisfied/i,
];

const failedToStart: Rule = (seen) => {
  const texts: [where: string, text: string][] = [
    ['', seen.reason],
    ...seen.containers.map((c): [string, string] => [`container "${c.name}" says `, c.reason]),
  ];
  for (const [where, text] of texts) {
    const match = START_ERRORS.exec(text);
    if (match) {
      const kind = START_ERROR_KINDS[match.slice(1).findIndex(Boolean)] ?? 'other';
      return { category: 'failed-to-start', subKind: kind, because: `${where}${clip(text)}${stopCodeNote(seen)}` };
    }
  }
  // Short words like AGENT could sit in anyone's StopTask reason: read them only where ECS writes them.
  if (seen.stopCode !== 'TaskFailedToStart' && seen.stopCode !== '') return undefined;
  if (CAPACITY.some((pattern) => pattern.test(seen.reason))) {
    return { category: 'failed-to-start', subKind: 'capacity', because: said(seen) };
  }
  return seen.stopCode === 'TaskFailedToStart' ? { category: 'failed-to-start', subKind: 'other', because: said(seen) } : undefined;
};

const outOfMemory: Rule = (seen) => {
  const killed = seen.suspects.find((c) => c.reason.startsWith('OutOfMemoryError'));
  if (!killed) return undefined;
  const exit = killed.exitCode === undefined ? '' : `, exit ${killed.exitCode}`;
  return { category: 'out-of-memory', because: `container "${killed.name}" ran out of memory: ${clip(killed.reason)}${exit}` };
};

const healthCheckFailed: Rule = (seen) => {
  if (/failed ELB health checks/i.test(seen.reason)) return { category: 'health-check-failed', subKind: 'elb', because: said(seen) };
  if (/failed container health checks/i.test(seen.reason)) {
    return { category: 'health-check-failed', subKind: 'container', because: said(seen) };
  }
  return undefined;
};

const HOST_LOST = [
  /Container instance deregistration forced by user/i,
  /container instance is in DRAINING state/i,
  /performing maintenance on the underlying infrastructure/i,
  /infrastructure health/i,
];

const hostLost: Rule = (seen) =>
  seen.stopCode === 'InfrastructureHealth' || HOST_LOST.some((pattern) => pattern.test(seen.reason))
    ? { category: 'host-lost', because: said(seen) }
    : undefined;

const scaledIn: Rule = (seen) =>
  /Scaling activity initiated by/i.test(seen.reason) || (seen.stopCode === 'ServiceSchedulerInitiated' && /rebalanc/i.test(seen.reason))
    ? { category: 'scaled-in', because: said(seen) }
    : undefined;

const userStopped: Rule = (seen) => (seen.stopCode === 'UserInitiated' ? { category: 'user-stopped', because: said(seen) } : undefined);

const byExitCodes: Rule = (seen) => {
  if (seen.stopCode !== '' && seen.stopCode !== 'EssentialContainerExited') return undefined;
  const failed = seen.deciding.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
  if (failed) return { category: 'app-error', because: `container "${failed.name}" exited ${failed.exitCode}${stopCodeNote(seen)}` };
  if (seen.deciding.length > 0 && seen.deciding.every((c) => c.exitCode === 0)) {
    const names = seen.deciding.map((c) => `"${c.name}"`);
    const subject = names.length === 1 ? `container ${names[0]}` : `containers ${names.join(', ')}`;
    return { category: 'completed', because: `${subject} exited 0${stopCodeNote(seen)}` };
  }
  return undefined;
};

const RULES: Rule[] = [
  ownStop,
  hostTerminated,
  spotInterruption,
  failedToStart,
  outOfMemory,
  healthCheckFailed,
  hostLost,
  scaledIn,
  userStopped,
  byExitCodes,
];

function observe(facts: TaskStopFacts, context: ClassifyContext): Seen {
  const containers: SeenContainer[] = (Array.isArray(facts?.containers) ? facts.containers : []).flatMap((c, index) =>
    c && typeof c === 'object'
      ? [
          {
            name: textOf(c.name) || `#${index + 1}`,
            exitCode: Number.isInteger(c.exitCode) ? c.exitCode : undefined,
            reason: textOf(c.reason),
          },
        ]
      : [],
  );
  const essential = Array.isArray(context?.essentialContainers) ? context.essentialContainers : undefined;
  const suspects = essential ? containers.filter((c) => essential.includes(c.name)) : containers;
  return {
    lastStatus: textOf(facts?.lastStatus),
    stopCode: textOf(facts?.stopCode),
    reason: textOf(facts?.stoppedReason),
    isSpotNotice: facts?.isSpotNotice === true,
    containers,
    suspects,
    deciding: essential ? suspects : suspects.filter((c) => c.exitCode !== undefined),
  };
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The reason ECS gave, quoted, with its stop code. */
function said(seen: Seen): string {
  return `${seen.reason ? clip(seen.reason) : 'no reason given'}${stopCodeNote(seen)}`;
}

function stopCodeNote(seen: Seen): string {
  return seen.stopCode ? ` (stop code ${seen.stopCode})` : '';
}

function summary(seen: Seen): string {
  const exits = seen.containers.filter((c) => c.exitCode !== undefined).map((c) => `"${c.name}" exited ${c.exitCode}`);
  return [
    `last status ${seen.lastStatus || 'unknown'}`,
    seen.stopCode ? `stop code ${seen.stopCode}` : 'no stop code',
    seen.reason ? `reason ${clip(seen.reason)}` : 'no reason',
    exits.length > 0 ? exits.join(', ') : 'no exit code',
  ].join(', ');
}

/** Quoted, and short enough for one line of an alert. */
function clip(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 199)}…` : text);
}
