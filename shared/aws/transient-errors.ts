/**
 * Which AWS errors are worth retrying: throttling, 5xx, and requests that never got an answer (no HTTP
 * status: network, timeout). Everything else is a client error that a retry will not heal.
 */
export interface AwsErrorLike {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number | undefined };
}

const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'ConcurrentUpdateException',
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServiceException',
  'InternalServerError',
  'TimeoutError',
]);

export function isTransientAwsError(error: unknown): boolean {
  const e = (error ?? {}) as AwsErrorLike;
  const status = e.$metadata?.httpStatusCode;
  return TRANSIENT_ERROR_NAMES.has(e.name ?? '') || e.$fault === 'server' || status === undefined || status >= 500;
}
