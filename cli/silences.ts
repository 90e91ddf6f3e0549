/**
 * `silence`, `silences` and `unsilence`: an operator's silences in the deployed state table, which
 * notify reads when a message is due (shared/alerts/silence-hold.ts). Like amtool, `silence` prints the
 * new silence's id alone, so a script can keep it for `unsilence`.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { formatMatcher, MatcherError, parseMatchers } from '../shared/alerts/silence-matchers.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { isActive, type Silence, Silences } from '../shared/state/silences.ts';
import { UsageError } from './output.ts';

/** A silence is for an incident or a maintenance, not a standing rule: those are mute windows in automation.yml. */
export const MAX_SILENCE_SECONDS = 30 * 86_400;

export interface SilenceTable {
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

export function silenceStore(table: SilenceTable): Silences {
  return new Silences(createAwsClients({ region: table.region, endpoint: table.endpoint }).dynamo, table.tableName);
}

export interface NewSilence {
  matchers: string[];
  /** --for, in seconds; undefined when it was not given. */
  forSeconds: number | undefined;
  comment?: string | undefined;
  createdBy?: string | undefined;
}

/** The operator's login name: who silenced, as `silences` shows it. */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  const name = env.USER ?? env.USERNAME;
  if (name) return name;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function createSilence(request: NewSilence, store: Pick<Silences, 'create'>, now: Date): Promise<Silence> {
  let matchers: string[];
  try {
    matchers = parseMatchers(request.matchers).map(formatMatcher);
  } catch (error) {
    if (error instanceof MatcherError) throw new UsageError(`silence: ${error.message}`);
    throw error;
  }
  if (request.forSeconds === undefined) throw new UsageError('silence needs --for: how long it lasts, e.g. --for 2h (at most 30d)');
  if (request.forSeconds > MAX_SILENCE_SECONDS) {
    throw new UsageError(
      `--for ${formatDuration(request.forSeconds)} is longer than ${formatDuration(MAX_SILENCE_SECONDS)}: for what recurs, add a mute window to notifications.muteWindows of automation.yml`,
    );
  }
  // Three draws of 32 random bits: a clash among tens of silences is rare, three in a row is not going to happen.
  for (let attempt = 0; attempt < 3; attempt++) {
    const silence: Silence = {
      id: randomBytes(4).toString('hex'),
      matchers,
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + request.forSeconds * 1000).toISOString(),
      comment: request.comment || undefined,
      createdBy: request.createdBy ?? operatorName(),
      createdAt: now.toISOString(),
    };
    if (await store.create(silence)) return silence;
  }
  throw new Error('could not draw a silence id that is not taken; try again');
}

/** Active silences, or with `all` the ended ones the table still keeps too; the newest end last. */
export async function listSilences(store: Pick<Silences, 'list'>, all: boolean, now: Date): Promise<Silence[]> {
  const silences = await store.list();
  return silences.filter((silence) => all || isActive(silence, now)).sort((a, b) => a.endsAt.localeCompare(b.endsAt));
}

export type Unsilenced = { action: 'ended' | 'already-ended'; silence: Silence };

/** Ends a silence now; one that has ended already is left as it is (exit 0: what was asked is so). */
export async function endSilence(id: string, store: Pick<Silences, 'end'>, now: Date): Promise<Unsilenced> {
  const silence = await store.end(id, now);
  if (!silence) throw new RangeError(`no silence ${id}: ecs-autopilot silences --all lists them (an ended one is kept 7 days)`);
  return { action: silence.endsAt === now.toISOString() ? 'ended' : 'already-ended', silence };
}

export function silenceRows(silences: Silence[], now: Date): string[][] {
  return silences.map((silence) => [
    silence.id,
    silence.matchers.join(' '),
    silence.startsAt,
    silence.endsAt,
    isActive(silence, now) ? 'active' : 'ended',
    silence.createdBy,
    silence.comment ?? '',
  ]);
}

export const SILENCE_COLUMNS = ['ID', 'MATCHERS', 'STARTS (UTC)', 'ENDS (UTC)', 'STATE', 'BY', 'COMMENT'];
