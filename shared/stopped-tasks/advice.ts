/**
 * The likely cause and next steps for a classified stop, written for the person reading the alert or
 * `explain`: name the container, the image, the role or setting to look at. Pure.
 */
import type { FailedToStartKind, StopCategory } from './categories.ts';
import type { Advice, Classification, ContainerExit, TaskStopFacts } from './stop-facts.ts';

export function adviceFor(classification: Classification, facts: TaskStopFacts): Advice {
  const taskDefinition = `${facts.family}:${facts.revision}`;
  switch (classification.category) {
    case 'completed':
      return {
        likelyCause: 'Nothing went wrong: the essential containers ran to the end and exited 0.',
        nextSteps: facts.service
          ? [`Nothing to fix in the task, but a task of service ${facts.service} should keep running: check why its command returns.`]
          : ['Nothing to do.'],
      };
    case 'app-error':
      return appError(classification, facts, taskDefinition);
    case 'out-of-memory': {
      const container = namedIn(
        classification,
        facts.containers.filter((c) => c.reason?.startsWith('OutOfMemoryError')),
      );
      const name = container ? `"${container.name}"` : 'a container';
      return {
        likelyCause: `Container ${name} used more memory than its limit and was killed (OutOfMemoryError).`,
        nextSteps: [
          `Raise the memory limit of container ${name} (and the task memory on Fargate) in a new revision of ${taskDefinition}.`,
          'Or find the leak: compare its memory use over the run (Container Insights MemoryUtilized) with the limit.',
          'For a JVM or Node.js process, keep the heap below the container limit (-Xmx, --max-old-space-size).',
        ],
      };
    }
    case 'health-check-failed':
      return classification.subKind === 'container' ? containerHealthCheck(facts) : elbHealthCheck(facts);
    case 'failed-to-start':
      return failedToStart(classification, facts, taskDefinition);
    case 'spot-interruption':
      return {
        // A notice without a stop code (not delivered, but explained) is still running too.
        likelyCause:
          facts.isSpotNotice || facts.lastStatus === 'RUNNING'
            ? 'AWS is reclaiming the Spot capacity this task runs on; it stops in about two minutes. Nothing is wrong with the task.'
            : 'AWS reclaimed the Spot capacity this task ran on. Nothing is wrong with the task.',
        nextSteps: [
          `Nothing to fix. ${replacement(facts)}`,
          facts.launchType === 'EC2'
            ? 'If it must not wait for Spot capacity, add an on-demand capacity provider next to the Spot one.'
            : 'If it must not wait for Spot capacity, add an on-demand fallback to its capacity providers (FARGATE after FARGATE_SPOT).',
          'Stop cleanly on SIGTERM within the stop timeout (at most 120 s) so work is checkpointed or handed back.',
        ],
      };
    case 'scaled-in':
      return {
        likelyCause: 'The service scheduler stopped it to reach a lower desired count or to replace it during a deployment.',
        nextSteps: facts.containers.some((c) => c.exitCode === 137)
          ? [
              'Nothing to fix, but exit 137 means a container did not stop within the stop timeout after SIGTERM: handle SIGTERM, or raise stopTimeout.',
            ]
          : ['Nothing to fix.'],
      };
    case 'user-stopped':
      return {
        likelyCause: `Someone, or a tool other than ecs-autopilot, stopped it (StopTask${facts.stoppedReason ? `: "${facts.stoppedReason}"` : ''}).`,
        nextSteps: [`If that was not expected, find the StopTask call for task ${facts.taskId} in CloudTrail to see who made it.`],
      };
    case 'host-lost':
      return hostLost(facts);
    case 'timeout':
      return {
        likelyCause: 'ecs-autopilot stopped it because it ran longer than its maxRuntime.',
        nextSteps: [
          'Read the end of its logs to see where it spent the time: a stuck dependency, a lock, a slow query.',
          'If the work has simply grown, raise maxRuntime for the job in automation.yml.',
        ],
      };
    case 'replaced':
      return {
        likelyCause: 'ecs-autopilot stopped it because the next scheduled run started while it was still running (concurrency: replace).',
        nextSteps: [
          'A run takes longer than the time between two runs: make it faster or schedule it less often.',
          'If a run must always finish, set the job to concurrency: forbid (skip the new run) instead.',
        ],
      };
    case 'unknown':
      return {
        likelyCause: `The event does not say why it stopped (${classification.because}).`,
        nextSteps: [
          "Open the task in the ECS console within the hour (stopped tasks disappear after that) and read its containers' reasons.",
          "Read the containers' logs around the time it stopped.",
        ],
      };
  }
}

function appError(classification: Classification, facts: TaskStopFacts, taskDefinition: string): Advice {
  const decided = namedIn(
    classification,
    facts.containers.filter((c) => c.exitCode !== undefined && c.exitCode !== 0),
  );
  const meaning = decided ? meaningOfExitCode(decided.exitCode) : '';
  return {
    likelyCause: `The application stopped with an error: ${classification.because}.${meaning ? ` ${meaning}` : ''}`,
    nextSteps: [
      `Read the logs of ${decided ? `container "${decided.name}"` : 'the containers'} just before it stopped.`,
      ...(decided?.image ? [`Reproduce it with the same image: ${decided.image}.`] : []),
      `If it started with a new revision, compare ${taskDefinition} with the previous one (image, environment, secrets) or roll back.`,
    ],
  };
}

function meaningOfExitCode(exitCode: number | undefined): string {
  switch (exitCode) {
    case 126:
      return 'Exit 126: the command was found but is not executable.';
    case 127:
      return 'Exit 127: the command was not found in the image; check the entrypoint and command.';
    case 137:
      return 'Exit 137 is SIGKILL without an out-of-memory reason: usually a process that did not stop within the stop timeout after SIGTERM.';
    case 139:
      return 'Exit 139 is a segmentation fault in the process or a native library.';
    case 143:
      return 'Exit 143 is SIGTERM: it was asked to stop, often because another essential container exited first.';
    default:
      return '';
  }
}

function elbHealthCheck(facts: TaskStopFacts): Advice {
  const targetGroup = /\(target-group ([^)]+)\)/.exec(facts.stoppedReason ?? '')?.[1];
  return {
    likelyCause: `The load balancer's health checks failed${targetGroup ? ` in target group ${targetGroup}` : ''}, so the service scheduler replaced the task.`,
    nextSteps: [
      "Check the target group's health check path, port and success codes against what the container answers.",
      "Check that the task's security group lets the load balancer reach the container port.",
      `If the application starts slowly, raise the health check grace period of service ${facts.service ?? '(the service)'}.`,
      'Read the container logs for errors at startup.',
    ],
  };
}

function containerHealthCheck(facts: TaskStopFacts): Advice {
  return {
    likelyCause: "A container's own health check command kept failing, so ECS stopped the task.",
    nextSteps: [
      'Run the health check command inside the image: is the tool it calls (curl, wget) installed, does it hit the right port?',
      `Give a slow start more time with the health check's startPeriod, interval and retries in ${facts.family}:${facts.revision}.`,
      'Read the container logs around the failed checks.',
    ],
  };
}

function failedToStart(classification: Classification, facts: TaskStopFacts, taskDefinition: string): Advice {
  const kind = isFailedToStartKind(classification.subKind) ? classification.subKind : 'other';
  // `because` quotes the reason that decided the kind.
  const reason = classification.because;
  switch (kind) {
    case 'image-pull': {
      const container = facts.containers.find((c) => c.reason?.includes('CannotPullContainerError')) ?? onlyContainer(facts);
      return {
        likelyCause: `ECS could not pull the image${container?.image ? ` ${container.image}` : ''}${container ? ` of container "${container.name}"` : ''}.`,
        nextSteps: [
          'Check that the image tag exists in the repository (for ECR: aws ecr describe-images).',
          "Check that the task execution role can pull it: ECR's ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, or repositoryCredentials for a private registry.",
          'Check that the subnets reach the registry: a NAT gateway or public IP, or VPC endpoints for ECR (ecr.api, ecr.dkr) and the S3 gateway endpoint.',
        ],
      };
    }
    case 'resource-initialization':
      return {
        likelyCause: `ECS could not prepare what the task needs before its containers start (secrets, log group, network): ${reason}`,
        nextSteps: [
          `Check that the task execution role of ${taskDefinition} can read the secrets and parameters it names (secretsmanager:GetSecretValue, ssm:GetParameters, kms:Decrypt for a customer key).`,
          'Check that the CloudWatch log group exists, or that awslogs-create-group is set and the role may create it.',
          'From private subnets, check routes or VPC endpoints for Secrets Manager, SSM, CloudWatch Logs, ECR and S3, and that the VPC resolves DNS.',
        ],
      };
    case 'container-start':
      return {
        likelyCause: `A container was created but could not start: ${reason}`,
        nextSteps: [
          'Check its entrypoint and command: the file exists in the image and is executable.',
          "Check that the image is built for the task's CPU architecture (exec format error means it is not).",
          'Run the image locally with the same command to see the error.',
        ],
      };
    case 'volume-creation':
      return {
        likelyCause: `ECS could not create or mount a volume of the task: ${reason}`,
        nextSteps: [
          `Check the volume settings in ${taskDefinition}: file system id, access point, driver.`,
          "For EFS: a mount target in each of the task's subnets, and security groups that allow NFS (port 2049).",
          'With EFS IAM authorization, check that the task role may mount the file system.',
        ],
      };
    case 'capacity':
      return {
        likelyCause: `There was no capacity to place the task: ${reason}`,
        nextSteps: [
          "On EC2: check the capacity provider's Auto Scaling group (desired and maximum size, instance types large enough for the task).",
          'On Fargate: spread the subnets over several Availability Zones and check their free IP addresses.',
          'It often succeeds later: a retry rule with back-off covers a short shortage.',
        ],
      };
    case 'other':
      return {
        likelyCause: `ECS could not start the task: ${reason}`,
        nextSteps: ['Read the stopped reason and the service events for more detail.', 'Try again: some start failures are transient.'],
      };
  }
}

function hostLost(facts: TaskStopFacts): Advice {
  const reason = facts.stoppedReason ?? '';
  if (/maintenance|infrastructure health/i.test(reason) || facts.stopCode === 'InfrastructureHealth') {
    return {
      likelyCause: 'AWS stopped the task to maintain or retire the infrastructure under it. Nothing is wrong with the task.',
      nextSteps: [replacement(facts), 'Make the application tolerate being stopped at any time (handle SIGTERM, run more than one task).'],
    };
  }
  return {
    likelyCause: `The container instance the task ran on went away${reason ? ` (${JSON.stringify(reason)})` : ''}: it was stopped, terminated, drained or deregistered.`,
    nextSteps: [
      replacement(facts),
      "Look at the Auto Scaling group's activity and CloudTrail (TerminateInstances, StopInstances, DeregisterContainerInstance) to see who removed it.",
      'Turn on managed termination protection for the capacity provider so instances with running tasks are not scaled in.',
    ],
  };
}

/** Many of a service's tasks lost their hosts or Spot capacity within a window: the cluster, not the task, needs looking at. */
export function infrastructureLossAdvice(categories: Partial<Record<StopCategory, number>>, facts: TaskStopFacts): Advice {
  const spot = (categories['spot-interruption'] ?? 0) > 0;
  return {
    likelyCause:
      'The hosts under the service are going away (scale-in, termination, maintenance or Spot reclaims), faster than usual: the tasks are not crashing, the capacity under them is.',
    nextSteps: [
      `${replacement(facts)} Check that it keeps up: running against desired count, and tasks that cannot be placed.`,
      "Look at the Auto Scaling group's activity and CloudTrail (TerminateInstances, StopInstances, DeregisterContainerInstance) to see who removed the hosts.",
      'Turn on managed termination protection and managed draining for the capacity provider so instances with running tasks are not scaled in under them.',
      ...(spot
        ? [
            'Spot capacity is being reclaimed: spread over more instance types or zones, or add an on-demand capacity provider next to the Spot one.',
          ]
        : []),
    ],
  };
}

/** Who runs the work again: a service replaces its tasks, a standalone task waits for its policy. */
function replacement(facts: TaskStopFacts): string {
  return facts.service
    ? `Service ${facts.service} starts a replacement by itself.`
    : 'A standalone task is not replaced by ECS: its restart or retry policy runs it again.';
}

function isFailedToStartKind(subKind: Classification['subKind']): subKind is FailedToStartKind {
  return subKind !== undefined && subKind !== 'elb' && subKind !== 'container';
}

/** The container `because` names: the essential one that decided, though a sidecar may have failed too. */
function namedIn(classification: Classification, candidates: ContainerExit[]): ContainerExit | undefined {
  return candidates.find((c) => classification.because.includes(`container "${c.name}"`)) ?? candidates[0];
}

function onlyContainer(facts: TaskStopFacts): ContainerExit | undefined {
  return facts.containers.length === 1 ? facts.containers[0] : undefined;
}
