/**
 * The effects of a scaling decision, applied in order: the only code that changes AWS for scale-service.
 * A crash or a failure leaves them in the outbox, and the next delivery applies them all again, so each
 * is harmless to repeat:
 * - bounds and counts are checked against the service as it was just read ("already so" is skipped);
 *   a count is set only while it is still the one the decision saw, so that a count the autoscaler or a
 *   person moved since is not undone by a late replay;
 * - a retry timer is named by its deferral chain and attempt, so setting it twice makes one schedule;
 * - an event is published under its decided id, so consumers take a republished one once.
 *
 * AWS errors: a transient one throws RetryableAwsError (the outbox waits for the retry); a permanent one
 * stops the apply and is returned, to be recorded, published and alerted. A bus that refuses the
 * events is thrown whatever the error: there is nowhere to tell of it but the dead-letter queue.
 */
import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { type AwsErrorLike, isTransientAwsError } from '../aws/transient-errors.ts';
import { RetryableAwsError } from '../errors.ts';
import { busEventOf, type PendingEvent } from '../events/pending-event.ts';
import { timerName } from '../timers/timers.ts';
import type { LiveService, PermanentAwsFailure, ScalingEffect } from './decide.ts';
import { ECS_DESIRED_COUNT, permanentFailureOf, resourceIdOf, type ScalingSubject } from './load.ts';
import type { ScalingRuntime } from './runtime.ts';
import { retryTimerInput } from './trigger.ts';

/** Applies `effects` in order; answers the permanent failure that stopped them, or undefined when all are applied. */
export async function applyEffects(
  effects: ScalingEffect[],
  subject: ScalingSubject,
  service: LiveService | { unreadable: PermanentAwsFailure },
  rt: ScalingRuntime,
): Promise<PermanentAwsFailure | undefined> {
  // What each applied effect made of the service, for the "already so" checks of the next ones.
  const live = 'unreadable' in service ? undefined : { ...service.shape };
  const unreadable = 'unreadable' in service ? service.unreadable : undefined;
  for (const effect of effects) {
    switch (effect.kind) {
      case 'register-bounds': {
        if (!live) return unreadable;
        if (live.bounds?.min === effect.min && live.bounds.max === effect.max) break;
        const failure = await aws(subject, () =>
          rt.autoScaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'ecs',
              ResourceId: resourceIdOf(subject),
              ScalableDimension: ECS_DESIRED_COUNT,
              MinCapacity: effect.min,
              MaxCapacity: effect.max,
            }),
          ),
        );
        if (failure) return failure;
        live.bounds = { min: effect.min, max: effect.max };
        break;
      }
      case 'update-desired-count': {
        if (!live) return unreadable;
        if (live.desiredCount !== effect.from) {
          if (live.desiredCount !== effect.count) {
            rt.log.info('desiredCount moved since the decision: left as it is', {
              serviceKey: subject.key,
              effect,
              desiredCount: live.desiredCount,
            });
          }
          break;
        }
        const failure = await aws(subject, () =>
          rt.ecs.send(new UpdateServiceCommand({ cluster: subject.clusterRef, service: subject.service, desiredCount: effect.count })),
        );
        if (failure) return failure;
        live.desiredCount = effect.count;
        break;
      }
      case 'set-retry-timer': {
        const failure = await aws(subject, () =>
          rt.timers.set({
            name: timerName('scaling-retry', subject.key, effect.since, effect.attempt),
            at: new Date(effect.at),
            target: 'scale-service',
            input: retryTimerInput(subject.key, effect.attempt, effect.since),
          }),
        );
        if (failure) return failure;
        break;
      }
      case 'publish':
        await publish(effect.event, rt);
        break;
    }
  }
  return undefined;
}

/** Publishes a decided event; a bus that refuses it fails the invocation, transiently or not: the outbox keeps the event. */
async function publish(event: PendingEvent, rt: ScalingRuntime): Promise<void> {
  try {
    await rt.bus.publish([busEventOf(event)]);
  } catch (error) {
    if (error instanceof RetryableAwsError) throw error;
    const e = (error ?? {}) as AwsErrorLike;
    const text = `publishing ${event.detailType} (${event.id}) failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
    if (isTransientAwsError(error)) throw new RetryableAwsError(text, { cause: error });
    throw new Error(`${text}; check that the event bus exists and scale-service may put events on it`, { cause: error });
  }
}

/** One AWS call: undefined when it succeeded, its permanent failure otherwise (a transient one is thrown). */
async function aws(subject: ScalingSubject, call: () => Promise<unknown>): Promise<PermanentAwsFailure | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return permanentFailureOf(error, subject);
  }
}
