/**
 * A scale-service firing, end to end: load (the service's memory, the service, its scalable target, the
 * blue/green lock), decide (pure), persist the decision with its effects as an outbox in one versioned
 * write, apply the effects, and mark them done.
 *
 * The outbox is what makes a crash or a failed call harmless: an invocation that dies after the decision
 * was saved leaves its effects in the service's memory, and the next delivery (Lambda's retry, the next
 * firing, a retry timer) applies them before it decides anything — each harmlessly repeatable (apply.ts)
 * — so every change is made and every event published, exactly once as consumers count them (by id).
 * Concurrent firings are serialised by the versioned write: the loser starts over from what the winner
 * wrote.
 *
 * Errors: throttling, 5xx and unanswered requests throw RetryableAwsError (the trigger retries, and the
 * retry finishes what was decided); a permanent failure (the service or cluster is missing, access
 * denied, a rejected request) is recorded and published as "Service Scaling Failed" with an alert and
 * the next step, and the invocation ends normally.
 */
import type { ScalingWhy } from '../events/scaling-events.ts';
import type { ScalingMemory } from '../state/scaling-memory.ts';
import { retryOnStaleWrite } from '../state/versioned.ts';
import { applyEffects } from './apply.ts';
import { decideFailure, decideScaling, describeShape, type ScalingDecision } from './decide.ts';
import { inStateTable, type Loaded, loadScaling, type ScalingSubject, subjectOf } from './load.ts';
import { scaleTargetAt } from './periods.ts';
import type { ScalingRuntime } from './runtime.ts';
import type { ScalingInput } from './trigger.ts';

export interface ScalingOutcome {
  /** The key in automation.yml `services`. */
  service: string;
  outcome: 'scaled' | 'deferred' | 'failed' | 'nothing';
  /** What happened, in words. */
  action: string;
}

export async function handleScaling(input: ScalingInput, rt: ScalingRuntime): Promise<ScalingOutcome> {
  const subject = subjectOf(input.service, rt.automation);
  return retryOnStaleWrite(() => reconcile(subject, input, rt));
}

async function reconcile(subject: ScalingSubject, input: ScalingInput, rt: ScalingRuntime): Promise<ScalingOutcome> {
  let loaded = await loadScaling(subject, rt);
  while (loaded.memory.outbox.length > 0) {
    rt.log.info('finishing what an earlier invocation decided and may not have applied', {
      serviceKey: subject.key,
      effects: loaded.memory.outbox.map((effect) => effect.kind),
    });
    const failed = await finish(loaded.memory, loaded, subject, rt);
    if (failed) return outcomeOf(subject, failed);
    // What it applied changed the service: this firing decides from the service as it is now.
    loaded = await loadScaling(subject, rt);
  }

  const now = rt.now();
  const why: ScalingWhy = scaleTargetAt(subject.scaling, now);
  const { memory } = loaded;
  const decision = decideScaling({
    names: subject,
    why,
    state: memory,
    version: memory.version,
    service: loaded.service,
    retryOf: input.attempt,
    firing: input.firing,
    now,
  });
  rt.log.info('scaling decided', {
    serviceKey: subject.key,
    decision: decision.kind,
    target: why.target,
    because: why.because,
    live: 'shape' in loaded.service ? loaded.service.shape : loaded.service,
    effects: decision.effects.map((effect) => effect.kind),
  });
  if (decision.state === memory && decision.effects.length === 0) return outcomeOf(subject, decision);

  const saved = await save(subject, { ...memory, ...decision.state, outbox: decision.effects }, rt);
  const failed = await finish(saved, loaded, subject, rt);
  return outcomeOf(subject, failed ?? decision);
}

/**
 * Applies the outbox of `memory` and marks it done. A permanent failure stops it: the failure is
 * recorded and published in its stead (the rest of that outbox is dropped) and returned.
 */
async function finish(
  memory: ScalingMemory,
  loaded: Loaded,
  subject: ScalingSubject,
  rt: ScalingRuntime,
): Promise<ScalingDecision | undefined> {
  if (memory.outbox.length === 0) return undefined;
  const failure = await applyEffects(memory.outbox, subject, loaded.service, rt);
  if (!failure) {
    await save(subject, { ...memory, outbox: [] }, rt);
    return undefined;
  }
  rt.log.error('scaling failed', { serviceKey: subject.key, failure });
  // The record of the decision being finished says what it was for, and for which firing.
  const last = memory.last?.kind === 'scaled' ? memory.last : undefined;
  const failed = decideFailure(
    { names: subject, state: memory, version: memory.version, firing: memory.last?.firing, now: rt.now() },
    failure,
    { why: last?.why, to: last?.to },
  );
  const saved = await save(subject, { ...memory, ...failed.state, outbox: failed.effects }, rt);
  // Only an event is left to apply: it cannot fail for good here (a bus that refuses it throws).
  await applyEffects(saved.outbox, subject, loaded.service, rt);
  await save(subject, { ...saved, outbox: [] }, rt);
  return failed;
}

function save(subject: ScalingSubject, memory: ScalingMemory, rt: ScalingRuntime): Promise<ScalingMemory> {
  return inStateTable(subject, () => rt.memories.save(memory));
}

function outcomeOf(subject: ScalingSubject, decision: ScalingDecision): ScalingOutcome {
  const base = { service: subject.key };
  switch (decision.kind) {
    case 'nothing':
      return { ...base, outcome: 'nothing', action: `nothing: ${decision.reason}` };
    case 'change':
      return { ...base, outcome: 'scaled', action: `scaled from ${describeShape(decision.from)} to ${describeShape(decision.to)}` };
    case 'defer':
      return {
        ...base,
        outcome: 'deferred',
        action: `deferred (attempt ${decision.deferral.attempt}, retry at ${decision.deferral.retryAt}): ${decision.reason}`,
      };
    case 'give-up':
    case 'fail':
      return { ...base, outcome: 'failed', action: `failed: ${decision.reason}` };
  }
}
