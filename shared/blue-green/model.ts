/**
 * Blue/green traffic shifting: the app as automation.yml describes it, the persisted deployment, the
 * events that move it and the actions it asks for. The transition (decide.ts) is pure over these
 * types; the effects (apply.ts) carry out actions and answer with observation events.
 *
 * The two services keep their colour names for ever; each deployment goes from the colour that is live
 * (all the listener's weight) to the other one, the idle colour.
 */

import type { HookRun, HookSpec, HookStage, HookTaskFacts, LambdaAnswer, TestForward, TestSpec } from './hooks.ts';

export type Colour = 'blue' | 'green';
export const COLOURS: readonly Colour[] = ['blue', 'green'];
export const otherColour = (colour: Colour): Colour => (colour === 'blue' ? 'green' : 'blue');

/** One step of a shift: the new colour gets `weight` percent, then the deployment pauses. */
export interface ShiftStep {
  /** Percent of the traffic on the new colour after this step, 1–100; the last step is always 100. */
  weight: number;
  /** How long to hold this weight before the gates are checked and the next step taken; `promote` ends it early. */
  pause: { kind: 'for'; seconds: number } | { kind: 'until-promoted' };
}

/** The strategy as the operator wrote it (kept for messages), and the steps it means. */
export type StrategyName = 'all-at-once' | 'canary' | 'linear' | 'steps';

/** A metric of a check: a CloudWatch metric of the colour's target group (and load balancer) unless dimensions are given. */
export interface MetricQuery {
  /** Undefined: the namespace of the route's load balancer, AWS/ApplicationELB or AWS/NetworkELB. */
  namespace?: string | undefined;
  metric: string;
  stat: string;
  /** Extra or replacing dimensions; TargetGroup and LoadBalancer of the colour are added unless named here. */
  dimensions: Record<string, string>;
}

/** A metric-math check evaluated on the new colour over `windowSeconds`, optionally against the live colour's value. */
export interface MetricCheck {
  name: string;
  /** CloudWatch metric math over the query ids, e.g. `100 * errors / requests`; just an id for one metric. */
  expression: string;
  queries: Record<string, MetricQuery>;
  windowSeconds: number;
  /** The new colour's value must be at most this. */
  max?: number | undefined;
  /** The new colour's value must be at least this. */
  min?: number | undefined;
  /** Compared with the live colour over the same window: new ≤ live + maxIncrease. */
  baseline?: { maxIncrease: number } | undefined;
  /** What a window without data means (little traffic at a small weight): pass (default), fail or inconclusive. */
  onNoData: 'pass' | 'fail' | 'inconclusive';
  /**
   * A value past its limit by at most this much (in the expression's unit) is inconclusive, not a
   * failure: `max < value ≤ max + margin`, `min - margin ≤ value < min`, and likewise over the baseline.
   * 0 or undefined: every value past its limit fails.
   */
  inconclusiveMargin?: number | undefined;
}

/** What a deployment does when nobody answers: an until-promoted pause at timeouts.promote, a held deployment at timeouts.hold. */
export type OnTimeout = 'rollback' | 'promote' | 'hold';

export interface ColourSpec {
  /** The ECS service name. */
  service: string;
  /** The target group ARN the service registers its tasks in (on the first route). */
  targetGroup: string;
}

/**
 * One place whose forward action splits the app's traffic: a listener's default action or one of its
 * rules (ALB or NLB), and the colours' target groups there. Every route of an app moves in lockstep.
 */
export interface RouteSpec {
  listener: string;
  rule?: string | undefined;
  targetGroups: Record<Colour, string>;
  /**
   * `weighted`: each step's weights; `switch`: a forward to one target group, all the traffic moving
   * at once with the step that reaches 100% (for a forward action that takes one target group only).
   */
  shift: 'weighted' | 'switch';
}

/** What names a route: its rule, or its listener for the default action. */
export const routeKey = (route: RouteSpec): string => route.rule ?? route.listener;

/** A route's split as ELB returned it or as it is to be written, by route (routeKey). */
export type Splits = Record<string, WeightedTargetGroup[]>;

/** An app as automation.yml `apps.<name>` describes it, resolved. */
export interface AppSpec {
  name: string;
  /** The cluster as written (name or ARN). */
  cluster: string;
  /** The listener ARN whose forward action splits the traffic. */
  listener: string;
  /** A rule of that listener whose forward action splits it instead of the listener's default action. */
  rule?: string | undefined;
  colours: Record<Colour, ColourSpec>;
  /** Every listener or rule the deployment shifts, the first one being `listener`/`rule` above. */
  routes: RouteSpec[];
  strategy: StrategyName;
  steps: ShiftStep[];
  gates: {
    /** CloudWatch alarm names; one entering ALARM rolls back at once. */
    alarms: string[];
    /** The new colour needs at least this many healthy targets (and no unhealthy one) before it gets traffic. */
    minHealthyTargets: number;
    metrics: MetricCheck[];
    /** An inconclusive metric check (gates.ts): roll back (default), or pause: hold the deployment for a person. */
    onInconclusive?: 'rollback' | 'pause' | undefined;
  };
  /** After 100%: how long the new colour takes all the traffic, gates checked at its end. */
  bakeSeconds: number;
  /** After the bake: how long the old colour keeps running, ready for an instant rollback; then it scales to zero. */
  rollbackWindowSeconds: number;
  timeouts: {
    /** For the new colour to reach steady state with healthy targets. */
    readySeconds: number;
    /** For an `until-promoted` pause. */
    promoteSeconds: number;
    /** For a held deployment to be promoted or aborted (default HOLD_SECONDS, decide.ts). */
    holdSeconds?: number | undefined;
  };
  /** When nobody answers in time (default rollback). */
  onTimeout?: OnTimeout | undefined;
  /** New colour's tasks by weight before 100%: ceil(live count × weight%), at least minTasks. Undefined: as many as the live colour. */
  canarySizing?: { minTasks: number } | undefined;
  /** What a deployment may put on the services (scope.ts checks it). */
  allowed: {
    /** Task definition families a request may name, and a registered revision may belong to. */
    families: string[];
    /** Repository patterns (`*`: any characters but "/") every image must match; undefined: any image. */
    images: string[] | undefined;
    /** The task and execution roles a revision may carry (role ARNs); iam:PassRole names exactly these. */
    roles: string[];
  };
  /** The test listener (or rule) that points at the new colour before it gets production traffic (hooks.ts). */
  test?: TestSpec | undefined;
  /** Lifecycle hooks by stage (hooks.ts). */
  hooks?: Partial<Record<HookStage, HookSpec>> | undefined;
}

// ── The deployment, as persisted ──

export type Stage =
  /** Reading the listener, the services and the alarms. */
  | 'starting'
  /** The new colour runs the new task definition; waiting for steady state and healthy targets. */
  | 'deploying'
  /** A weight change is being made and read back. */
  | 'shifting'
  /** A lifecycle hook runs (a smoke-test task or a Lambda); its verdict moves the deployment on or rolls it back. */
  | 'hook'
  /** Holding a step's weight until its pause ends (or `promote`). */
  | 'paused'
  /** A gate was inconclusive (or nobody promoted and onTimeout is hold): waiting for a person to promote or abort. */
  | 'held'
  /** 100% on the new colour, gates checked at the end. */
  | 'baking'
  /** The old colour still runs, for an instant rollback. */
  | 'rollback-window'
  /** Scaling the old colour to zero. */
  | 'finishing'
  /** Putting back the original forward action and scaling the new colour down. */
  | 'rolling-back'
  | 'succeeded'
  | 'rolled-back'
  | 'failed';

export const FINAL_STAGES: readonly Stage[] = ['succeeded', 'rolled-back', 'failed'];
export const isFinal = (stage: Stage): boolean => FINAL_STAGES.includes(stage);

/** A target group in a forward action. */
export interface WeightedTargetGroup {
  arn: string;
  weight: number;
}

/**
 * The forward action of the listener (or rule) as ELB returned it. `raw` is kept verbatim so a rollback
 * puts back exactly what was there (stickiness, order, a single TargetGroupArn form).
 */
export interface ForwardSnapshot {
  targetGroups: WeightedTargetGroup[];
  stickiness?: { enabled: boolean; durationSeconds?: number | undefined } | undefined;
  /** The whole action list (DefaultActions of the listener, or Actions of the rule) as JSON. */
  raw: string;
}

export interface ServiceFacts {
  desiredCount: number;
  taskDefinition: string;
  /**
   * What the service runs: the task definition of its PRIMARY deployment (the one ECS rolls out, or rolled
   * back to). After a circuit-breaker rollback it is no longer the revision a deployment asked for.
   */
  primaryTaskDefinition: string;
  /** ECS rollout state of the PRIMARY deployment; steady when COMPLETED and running = desired. */
  steady: boolean;
  runningCount: number;
  /** Whether the PRIMARY deployment has Service Connect enabled: its traffic cannot be shifted (README). */
  serviceConnect?: boolean | undefined;
}

/** What a task definition revision runs, as DescribeTaskDefinition reads it. */
export interface RevisionFacts {
  /** What messages call it: `task definition shop:7`, or the revision about to be registered. */
  name: string;
  family: string;
  taskRole?: string | undefined;
  executionRole?: string | undefined;
  /** Container name → image. */
  images: Record<string, string>;
}

export interface TargetHealthCount {
  healthy: number;
  /** Every other state but draining and unused: initial, unhealthy, unavailable. */
  unhealthy: number;
  /** With several target groups: the one counted, the weakest of them (the gate holds for each). */
  targetGroup?: string | undefined;
}

/** One weight the listener had, and why (the timeline and `--json` of the sandbox and `status` show them). */
export interface WeightChange {
  at: string;
  /** Percent on the new colour. */
  newPercent: number;
  why: string;
}

/** SuspendedState of a scalable target, as Application Auto Scaling names it. */
export interface ScalingSuspension {
  DynamicScalingInSuspended: boolean;
  DynamicScalingOutSuspended: boolean;
  ScheduledScalingSuspended: boolean;
}

/** A service's Application Auto Scaling scalable target (ecs:service:DesiredCount). */
export interface ScalableTargetFacts {
  min: number;
  max: number;
  suspended: ScalingSuspension;
}

/** What a deployment changed of the services' autoscaling, kept so that its end (or a crash's replay) puts it back. */
export interface DeploymentScaling {
  /** The live colour's target when the deployment started: its SuspendedState is put back exactly at the end. */
  live: ScalableTargetFacts;
  /** The new colour's target before it got the live colour's bounds (undefined: it had none): a rollback puts it back. */
  newBefore?: ScalableTargetFacts | undefined;
}

/** Why a deployment is held, and what it was doing: promote goes back to that, abort rolls back. */
export interface Hold {
  from: 'paused' | 'baking' | 'rollback-window';
  reason: string;
  since: string;
}

export type DeploymentOutcome = { status: 'succeeded' | 'rolled-back' | 'failed'; reason: string; at: string };

/**
 * A promote or abort as the deployment took it. Each names the deployment it is for and a promote the
 * step (1-based) whose pause it ends, as the CLI read them; an older pipeline's request names neither.
 * Anything stale — another deployment, a step already passed, a second promote of the same pause — is
 * ignored, kept here with the reason and published as `Deployment Request Ignored`.
 */
export interface OperatorRequest {
  /**
   * `deploy`: a deployment request that came after its time (see decide.ts), kept here, never acted on;
   * `retry` and `undo`: a request to deploy again what this deployment ran, or what was live before it,
   * that was stale (they are recorded only when ignored: taken, they start a deployment that names this one).
   */
  kind: 'promote' | 'abort' | 'deploy' | 'retry' | 'undo';
  /** The EventBridge event id (or, without one, what the request asks): a redelivery of it is recognised and changes nothing. */
  requestId: string;
  at: string;
  by?: string | undefined;
  deploymentId?: string | undefined;
  step?: number | undefined;
  /** A promote `--full`: every remaining step and pause skipped, straight to 100%. */
  full?: boolean | undefined;
  outcome: 'taken' | 'ignored';
  /** Why it was ignored, or how a request naming no deployment was taken. */
  reason?: string | undefined;
}

export interface Deployment {
  app: string;
  id: string;
  /** Optimistic locking: each write expects the version it read. */
  version: number;
  stage: Stage;
  requestedAt: string;
  /** When the request was sent (its event's time, never later than it was taken): a request sent before it is stale. */
  requestSentAt?: string | undefined;
  /** The ids of the app's earlier deployments, newest first (the last 50): a request with one of them already ran. */
  earlierIds?: string[] | undefined;
  requestedBy?: string | undefined;
  /** The task definition ARN to deploy (registered from images when the request gave images). */
  taskDefinition?: string | undefined;
  images?: Record<string, string> | undefined;
  /** Set by `starting`: which colour was live, which gets the new version. */
  from?: Colour | undefined;
  to?: Colour | undefined;
  /** The forward action of the first route before the deployment (a deployment of an older version kept only this one). */
  original?: ForwardSnapshot | undefined;
  /** Every route's forward action before the deployment, by route (routeKey): a rollback puts exactly these back. */
  originals?: Record<string, ForwardSnapshot> | undefined;
  /** The new colour before it was updated: what a rollback scales it back to. */
  toBefore?: { desiredCount: number; taskDefinition: string } | undefined;
  /** The live colour's desired count: the new colour gets as many tasks. */
  desiredCount?: number | undefined;
  /** Index of the step reached (its weight is on the listener); -1 before the first. */
  step: number;
  /** The step being applied while `shifting`; kept while rolling back from it (its weight may be on the listener). */
  shiftingTo?: number | undefined;
  /** Index of the step whose pause a promote ended: it moves on once the gates pass. */
  promotedStep?: number | undefined;
  /** That promote was `--full`: the next shift is the last step (100%), skipping the others and their pauses. */
  promotedFull?: boolean | undefined;
  /** What the live colour ran when the deployment started: `undo` deploys it again once this one succeeded. */
  liveBefore?: string | undefined;
  /** The failed or rolled-back deployment this one deploys again (`retry`), with the same revision. */
  retryOf?: string | undefined;
  /** The succeeded deployment this one undoes: it deploys that one's `liveBefore`. */
  undoOf?: string | undefined;
  /** While `held`: why, and the stage it holds. */
  held?: Hold | undefined;
  /** `<stage>:<step>` a person promoted while held: an inconclusive gate there no longer holds it (a clear failure still rolls back). */
  inconclusiveAccepted?: string | undefined;
  /** While `deploying` after traffic moved: the step the new colour is being sized for (it shifts once ready). */
  resizingFor?: number | undefined;
  /** Set when the live colour has a scalable target: what the deployment changed of the autoscaling. */
  scaling?: DeploymentScaling | undefined;
  newPercent: number;
  stageSince: string;
  /** When the stage times out (rollback or failure), or, for pauses, when the pause ends. */
  stageDeadline?: string | undefined;
  pauseEndsAt?: string | undefined;
  weights: WeightChange[];
  /** What the current stage waits for, in words (status and the progress line show it). */
  waitingFor?: string | undefined;
  /** Set while rolling back once the original forward action is back and read back. */
  forwardRestored?: boolean | undefined;
  /** Why a rollback is under way. */
  rollbackReason?: string | undefined;
  outcome?: DeploymentOutcome | undefined;
  /** The promote and abort requests it received, and the late deployment requests, oldest first (the last 20). */
  requests?: OperatorRequest[] | undefined;
  /** The test listener: as it was, and whether it points at the new colour or was put back. */
  test?: TestForward | undefined;
  /** The hooks run so far, oldest first; while `hook`, the last one runs. */
  hooks?: HookRun[] | undefined;
  /** Actions decided and not yet known to be applied: the next invocation applies them again (they are idempotent). */
  outbox: Action[];
  /** While the invocation that saved the outbox may still be applying it (its timeout): others leave it alone until then. */
  applyingUntil?: string | undefined;
  updatedAt: string;
}

// ── Events: what moves a deployment ──

export type DeploymentEvent =
  | {
      kind: 'requested';
      id: string;
      /** The request event's time, as the sender set it (EventBridge sets it when the sender did not). */
      sentAt?: string | undefined;
      /** Fields a request does not carry (trigger.ts REQUEST_FIELDS): the request is rejected, naming them. */
      unexpectedFields?: string[] | undefined;
      taskDefinition?: string | undefined;
      images?: Record<string, string> | undefined;
      requestedBy?: string | undefined;
    }
  /** ECS says the service's deployment changed (e.g. SERVICE_DEPLOYMENT_COMPLETED) or it reached steady state. */
  | { kind: 'service-changed'; service: string; eventName: string }
  | { kind: 'alarm'; alarmName: string; state: string; reason?: string | undefined }
  /** The watchdog (every minute): pauses that ended, stages that timed out, actions left unapplied. */
  | { kind: 'tick' }
  | {
      kind: 'promote';
      requestId: string;
      deploymentId?: string | undefined;
      /** The step (1-based) whose pause it ends. */
      step?: number | undefined;
      /** Skip every remaining step and pause: straight to 100% (then the bake as usual). */
      full?: boolean | undefined;
      by?: string | undefined;
    }
  /**
   * `retry`: deploy again what the failed or rolled-back deployment `deploymentId` ran; `undo`: deploy
   * what was live before the succeeded deployment `deploymentId`. Either starts deployment `id`, a
   * deployment like any other (steps, gates), when `deploymentId` is the app's last one.
   */
  | {
      kind: 'retry' | 'undo';
      id: string;
      deploymentId: string;
      sentAt?: string | undefined;
      by?: string | undefined;
    }
  | { kind: 'abort'; requestId: string; deploymentId?: string | undefined; by?: string | undefined; reason?: string | undefined }
  // Observations: what an action found.
  | {
      kind: 'inspected';
      /** Every route's forward action, by route. */
      forward: Record<string, ForwardSnapshot>;
      services: Record<Colour, ServiceFacts>;
      alarmsInAlarm: string[];
      /** The colours' scalable targets (a colour without one is left out). */
      scalable?: Partial<Record<Colour, ScalableTargetFacts>> | undefined;
      /** The task definition the request named, as read (a request with images names none). */
      requested?: RevisionFacts | undefined;
      /** The test listener's forward action, when the app has one. */
      testForward?: ForwardSnapshot | undefined;
    }
  /** The revision from images would run what the app does not allow (scope.ts): nothing was registered. */
  | { kind: 'revision-refused'; reason: string }
  /** The revision with the requested images, registered for this deployment (or found already registered). */
  | { kind: 'revision-registered'; taskDefinition: string }
  | { kind: 'new-colour-updated'; taskDefinition: string }
  /** `runs`: the new colour's PRIMARY task definition; `forward`: the split on every route now. */
  | { kind: 'ready-checked'; steady: boolean; health: TargetHealthCount; runs: string; forward: Splits }
  | { kind: 'weights-set'; expected: Splits; observed: Splits }
  /** A route splits the traffic in a way ecs-autopilot did not leave it: no route was written. */
  | { kind: 'forward-changed'; observed: Splits }
  | {
      kind: 'gates-checked';
      alarmsInAlarm: string[];
      health: TargetHealthCount;
      metrics: MetricResult[];
      runs: string;
      forward: Splits;
      /** The live colour's desired count now (autoscaling may have moved it). */
      liveDesiredCount?: number | undefined;
    }
  | { kind: 'forward-restored'; observed: Splits; matches: boolean }
  | { kind: 'colour-scaled'; colour: Colour; desiredCount: number }
  /** The test listener points at `observed` after it was set to the new colour. */
  | { kind: 'test-forward-set'; observed: WeightedTargetGroup[]; matches: boolean }
  | { kind: 'test-forward-restored'; observed: WeightedTargetGroup[]; matches: boolean }
  /** The test listener is neither as it was nor as ecs-autopilot left it: it was not written. */
  | { kind: 'test-forward-changed'; observed: WeightedTargetGroup[] }
  /** A hook task was started (or found again by its clientToken). */
  | { kind: 'hook-started'; hook: string; taskArn: string; essential: string[]; logs: HookRun['logs'] }
  | { kind: 'hook-checked'; hook: string; facts: HookTaskFacts }
  | { kind: 'hook-answered'; hook: string; answer: LambdaAnswer }
  /** An action failed for good (a permanent AWS error): the message says what and what to do. */
  | { kind: 'action-failed'; action: Action['kind']; error: string };

/** A metric check's values over its window; undefined when the window had no data. */
export interface MetricResult {
  name: string;
  /** With several target groups: the new colour's target group it was read for (one result each). */
  targetGroup?: string | undefined;
  value: number | undefined;
  baseline?: number | undefined;
  /** False before a whole minute at the current weight: nothing was read, nothing to judge yet. */
  evaluated?: boolean | undefined;
}

// ── Actions: what the transition asks the effects to do ──

export type Action =
  | { kind: 'inspect' }
  /**
   * A revision of `base` with these containers' images, tagged with the deployment's id: one already
   * registered for this deployment (a replay after a crash) is found and reused, never registered twice.
   */
  | { kind: 'register-revision'; base: string; images: Record<string, string> }
  /** UpdateService of the new colour: its task definition and count. */
  | { kind: 'update-new-colour'; colour: Colour; taskDefinition: string; desiredCount: number }
  | { kind: 'check-ready'; colour: Colour }
  /**
   * ModifyListener / ModifyRule of every route with these weights (stickiness as in the original), then
   * read them back; written only when every route holds a split in `ours`, the splits ecs-autopilot may
   * have left on them. Anything else is someone else's change: answered with `forward-changed`, no
   * route written.
   */
  | { kind: 'set-weights'; targetGroups: Splits; ours: Splits[] }
  /** Every gate, and what the new colour runs and the listener splits; metrics over their window, from `since` at the earliest. */
  | { kind: 'check-gates'; colour: Colour; since?: string | undefined }
  /** Puts back the original forward action verbatim, then reads the weights back; as set-weights, only over a split in `ours`. */
  | { kind: 'restore-forward'; ours: Splits[] }
  | { kind: 'scale-colour'; colour: Colour; desiredCount: number; taskDefinition?: string | undefined }
  /** Points the test listener at the new colour, only over its original action (or already so); read back. */
  | { kind: 'set-test-forward'; colour: Colour }
  /** Puts the test listener's original action back, only over the new colour's (or already so); read back. */
  | { kind: 'restore-test-forward'; colour: Colour }
  /**
   * Runs the hook: RunTask under a clientToken from the hook's key (a replay gets the same task), or
   * invokes the Lambda and waits for its answer (a replay invokes it again, with the same hookId).
   */
  | { kind: 'start-hook'; hook: string }
  /** DescribeTasks of the hook's task. */
  | { kind: 'check-hook'; hook: string }
  /** RegisterScalableTarget of a colour's service: only what is given changes. */
  | {
      kind: 'set-scaling';
      colour: Colour;
      min?: number | undefined;
      max?: number | undefined;
      suspended?: ScalingSuspension | undefined;
    }
  /** The BLUE_GREEN lock on both services: scale-service defers while it says in-progress. */
  | { kind: 'lock-services'; status: 'in-progress' | 'released'; expiresAt?: string | undefined }
  /** `id`: the event's identity, derived from the decision (`<deployment id>:started`, `:step:<n>` …), published as `detail.eventId`. */
  | { kind: 'publish'; detailType: DeploymentDetailType; detail: Record<string, unknown>; id: string };

/** Actions that only read: a decision asking for nothing else has nothing to persist (a crash loses no effect). */
export const isObservation = (action: Action): boolean =>
  action.kind === 'inspect' || action.kind === 'check-ready' || action.kind === 'check-gates' || action.kind === 'check-hook';

export const DEPLOYMENT_DETAIL_TYPES = {
  requested: 'Deployment Requested',
  promoteRequested: 'Deployment Promotion Requested',
  abortRequested: 'Deployment Abort Requested',
  retryRequested: 'Deployment Retry Requested',
  undoRequested: 'Deployment Undo Requested',
  rejected: 'Deployment Rejected',
  requestIgnored: 'Deployment Request Ignored',
  started: 'Deployment Started',
  stepCompleted: 'Deployment Step Completed',
  hookStarted: 'Deployment Hook Started',
  hookPassed: 'Deployment Hook Passed',
  hookFailed: 'Deployment Hook Failed',
  held: 'Deployment Held',
  succeeded: 'Deployment Succeeded',
  rolledBack: 'Deployment Rolled Back',
  failed: 'Deployment Failed',
} as const;

export type DeploymentDetailType = (typeof DEPLOYMENT_DETAIL_TYPES)[keyof typeof DEPLOYMENT_DETAIL_TYPES];

/**
 * What a pipeline (or `ecs-autopilot deploy|promote|abort|retry|undo`) puts on our bus for shift-traffic: the only
 * detail-types principals other than ecs-autopilot's functions (`deployers`) may put there.
 */
export const DEPLOYMENT_REQUEST_DETAIL_TYPES = [
  DEPLOYMENT_DETAIL_TYPES.requested,
  DEPLOYMENT_DETAIL_TYPES.promoteRequested,
  DEPLOYMENT_DETAIL_TYPES.abortRequested,
  DEPLOYMENT_DETAIL_TYPES.retryRequested,
  DEPLOYMENT_DETAIL_TYPES.undoRequested,
] as const;

/** What the transition returns: the deployment to persist (undefined: none was started) and the actions, in order. */
export interface Transition {
  deployment: Deployment | undefined;
  actions: Action[];
  /**
   * A request that was not started, and why (the handler records it for `deploy --wait`). `recorded`:
   * the rejection was recorded before (the request delivered again): it is published again, not recorded.
   */
  rejected?: { id: string; reason: string; recorded?: boolean } | undefined;
}
