/**
 * The CloudFormation custom resource (Custom::ReconciledSchedules, shared/stack/reconciled-schedules.ts)
 * that runs the reconciler at deploy time: its request (Create, Update, Delete, with the group and the
 * ARNs the schedules point at), and the answer CloudFormation waits for, a PUT of the outcome to the
 * request's pre-signed S3 URL. Every request is answered, a failure too (FAILED with its reason), or the
 * stack would wait an hour for it.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { BadEventError, excerptOf, inputProblems } from '../errors.ts';
import type { ScheduleTargets } from './desired.ts';

const text = () => z.string().check(z.minLength(1));

const requestSchema = builtOnFirstUse(() =>
  z.object({
    RequestType: z.enum(['Create', 'Update', 'Delete']),
    ResponseURL: z.string().check(z.url()),
    StackId: text(),
    RequestId: text(),
    LogicalResourceId: text(),
    PhysicalResourceId: z.optional(z.string()),
    ResourceProperties: z.object({
      GroupName: text(),
      RoleArn: text(),
      DeadLetterArn: text(),
      RunBatchJobArn: text(),
      ScaleServiceArn: text(),
      /** Changes when the schedules do, so that CloudFormation sends an Update. */
      Digest: text(),
    }),
  }),
);

export type ReconcileRequest = z.infer<ReturnType<typeof requestSchema>>;

export function parseReconcileRequest(event: unknown): ReconcileRequest {
  const result = requestSchema().safeParse(event);
  if (!result.success) {
    throw new BadEventError(
      `not a CloudFormation custom resource request (${inputProblems(result.error.issues, {}, 'event')}): ${excerptOf(event)}`,
    );
  }
  return result.data;
}

/** The targets a request names. */
export function targetsOf(request: ReconcileRequest): ScheduleTargets {
  const p = request.ResourceProperties;
  return {
    groupName: p.GroupName,
    roleArn: p.RoleArn,
    deadLetterArn: p.DeadLetterArn,
    runBatchJobArn: p.RunBatchJobArn,
    scaleServiceArn: p.ScaleServiceArn,
  };
}

export interface ReconcileResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string | number>;
}

/** CloudFormation reads at most 4 KB of a response; a reason is cut well before. */
const MAX_REASON = 1_000;

export function responseTo(
  request: ReconcileRequest,
  outcome: { ok: true; data: Record<string, number> } | { ok: false; reason: string },
): ReconcileResponse {
  return {
    Status: outcome.ok ? 'SUCCESS' : 'FAILED',
    Reason: outcome.ok ? 'schedules reconciled' : outcome.reason.slice(0, MAX_REASON),
    // The group: the same across updates, so CloudFormation never replaces (and deletes) the resource.
    PhysicalResourceId: request.ResourceProperties.GroupName,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    ...(outcome.ok && { Data: outcome.data }),
  };
}

/**
 * PUTs the response to the pre-signed URL. The URL is signed without a content type, hence none is
 * sent (as AWS's own cfn-response does); a refused PUT throws, so that Lambda retries the invocation.
 */
export async function sendResponse(url: string, response: ReconcileResponse, fetchImpl: typeof fetch = fetch): Promise<void> {
  const body = JSON.stringify(response);
  const answer = await fetchImpl(url, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
  });
  if (!answer.ok) throw new Error(`CloudFormation's response URL answered ${answer.status} ${answer.statusText}`);
}
