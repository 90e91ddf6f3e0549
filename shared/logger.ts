import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per function process; handlers add job names and task ARNs as keys. */
export const logger = new Logger({ serviceName: 'ecs-autopilot', logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });

export type Log = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'> & { appendKeys?: Logger['appendKeys'] };
