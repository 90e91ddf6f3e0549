/**
 * What an "ECS Task State Change" event says about a stopped (or stopping) task, in the project's own
 * shape: parsed once (task-event.ts), classified (classify.ts), carried in bus events and rendered in
 * alerts. Only what a decision or a message uses is kept.
 */
import type { FailedToStartKind, HealthCheckKind, StopCategory } from './categories.ts';

export interface ContainerExit {
  name: string;
  /** Absent when the container never ran (image pull failure, task stopped before start). */
  exitCode: number | undefined;
  /** e.g. "OutOfMemoryError: Container killed due to memory usage". */
  reason: string | undefined;
  lastStatus: string | undefined;
  image: string | undefined;
}

export interface TaskStopFacts {
  /** EventBridge envelope */
  eventId: string;
  account: string;
  region: string;
  eventTime: string;
  /** detail */
  taskArn: string;
  taskId: string;
  clusterArn: string;
  clusterName: string;
  taskDefinitionArn: string;
  /** family and revision of taskDefinitionArn */
  family: string;
  revision: number;
  /** "service:web", "family:worker" or a RunTask group */
  group: string | undefined;
  /** The service name when group is "service:<name>". */
  service: string | undefined;
  startedBy: string | undefined;
  lastStatus: string;
  desiredStatus: string;
  stopCode: string | undefined;
  stoppedReason: string | undefined;
  containers: ContainerExit[];
  launchType: string | undefined;
  capacityProviderName: string | undefined;
  availabilityZone: string | undefined;
  createdAt: string | undefined;
  startedAt: string | undefined;
  stoppingAt: string | undefined;
  stoppedAt: string | undefined;
  /** detail.version: a higher one is a later state of the same task. */
  version: number;
  /** A reclaim notice (Fargate Spot, or a host being terminated): RUNNING, desired STOPPED, stopCode SpotInterruption/TerminationNotice. */
  isSpotNotice: boolean;
}

export interface Classification {
  category: StopCategory;
  /** failed-to-start: what could not be done; health-check-failed: whose check failed. */
  subKind?: FailedToStartKind | HealthCheckKind | undefined;
  /** One line saying why, in the operator's words, naming the fact that decided it. */
  because: string;
}

/** The likely cause and next step for a category, for alerts and `explain`. */
export interface Advice {
  likelyCause: string;
  nextSteps: string[];
}
