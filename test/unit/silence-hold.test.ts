/** Which silence holds a group's message: active ones whose matchers all match, the longest-lasting named. */
import { describe, expect, it } from 'vitest';
import { silenceHold } from '../../shared/alerts/silence-hold.ts';
import type { AlertBlock } from '../../shared/events/alert.ts';
import type { Silence } from '../../shared/state/silences.ts';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const webCrashLoop: AlertBlock = {
  cluster: 'prod',
  subject: { kind: 'service', name: 'web' },
  category: 'crash-loop',
  severity: 'critical',
};

function silence(id: string, matchers: string[], startsAt: string, endsAt: string, comment?: string): Silence {
  return { id, matchers, startsAt, endsAt, comment, createdBy: 'alice', createdAt: startsAt };
}

const holdAt = (silences: Silence[], alert: AlertBlock = webCrashLoop, at = NOW) =>
  silenceHold({ list: async () => silences })({ groupKey: 'prod|service:web|crash-loop', alert, status: 'firing' }, at);

describe('silenceHold', () => {
  it('holds while an active silence matches, by its id until its end, with its comment', async () => {
    const deploying = silence(
      'a1',
      ['cluster="prod"', 'category=~"crash-loop|app-error"'],
      '2026-12-07T09:00:00.000Z',
      '2026-12-07T11:00:00.000Z',
      'deploying the fix',
    );
    expect(await holdAt([deploying])).toEqual({
      kind: 'silenced',
      by: 'a1',
      until: '2026-12-07T11:00:00.000Z',
      comment: 'deploying the fix',
    });
  });

  it('does not hold before a silence starts, from its end on, or when one matcher does not match', async () => {
    expect(await holdAt([silence('a1', ['cluster="prod"'], '2026-12-07T10:00:01.000Z', '2026-12-07T12:00:00.000Z')])).toBeUndefined();
    expect(await holdAt([silence('a1', ['cluster="prod"'], '2026-12-07T08:00:00.000Z', '2026-12-07T10:00:00.000Z')])).toBeUndefined();
    expect(
      await holdAt([silence('a1', ['cluster="prod"', 'severity="warning"'], '2026-12-07T09:00:00.000Z', '2026-12-07T11:00:00.000Z')]),
    ).toBeUndefined();
  });

  it('names the matching silence that lasts longest, and skips one whose matchers cannot be read', async () => {
    const silences = [
      silence('short', ['subject="web"'], '2026-12-07T09:00:00.000Z', '2026-12-07T10:30:00.000Z'),
      silence('garbled', ['service="web"'], '2026-12-07T09:00:00.000Z', '2026-12-08T00:00:00.000Z'),
      silence('long', ['cluster="prod"'], '2026-12-07T09:30:00.000Z', '2026-12-07T14:00:00.000Z'),
      silence('other', ['cluster="staging"'], '2026-12-07T09:00:00.000Z', '2026-12-07T20:00:00.000Z'),
    ];
    expect(await holdAt(silences)).toMatchObject({ by: 'long', until: '2026-12-07T14:00:00.000Z' });
    expect(await holdAt(silences.filter((s) => s.id !== 'long'))).toMatchObject({ by: 'short' });
  });
});
