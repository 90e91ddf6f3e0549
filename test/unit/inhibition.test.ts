import { describe, expect, it } from 'vitest';
import type { Hold } from '../../shared/alerts/hold.ts';
import { inhibitionHold, inhibitorOf } from '../../shared/alerts/inhibition.ts';
import { parseMatcher } from '../../shared/alerts/silence-matchers.ts';
import { DEFAULT_INHIBIT_RULES, type InhibitRule } from '../../shared/config/inhibit-schema.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';
import { type AlertBlock, alertGroupKey } from '../../shared/events/alert.ts';
import type { AlertGroupList, LabelledGroup } from '../../shared/state/alert-group-list.ts';

const alert = (cluster: string, name: string, category: string, severity: AlertBlock['severity'] = 'critical'): AlertBlock => ({
  cluster,
  subject: { kind: 'service', name },
  category,
  severity,
});
const group = (block: AlertBlock): LabelledGroup => ({ groupKey: alertGroupKey(block), alert: block });

const hostLostProd = group(alert('prod', 'web', 'host-lost'));
const crashLoopProd = group(alert('prod', 'worker', 'crash-loop'));
const appErrorStaging = group(alert('staging', 'web', 'app-error'));

describe('inhibitorOf, the default rule (lost capacity holds back app-error and crash-loop of the same cluster)', () => {
  it.each([
    ['a host lost in prod holds back a crash loop in prod', crashLoopProd, [hostLostProd], hostLostProd.groupKey],
    ['a host lost in prod does not hold back an app error in staging (equal: cluster)', appErrorStaging, [hostLostProd], undefined],
    [
      'a lost host in staging holds back its app error',
      appErrorStaging,
      [group(alert('staging', 'db', 'infrastructure-loss'))],
      'staging|service:db|infrastructure-loss',
    ],
    [
      'a placement failure is lost capacity',
      crashLoopProd,
      [group(alert('prod', 'api', 'placement-failure'))],
      'prod|service:api|placement-failure',
    ],
    [
      'a Spot interruption is lost capacity',
      crashLoopProd,
      [group(alert('prod', 'api', 'spot-interruption'))],
      'prod|service:api|spot-interruption',
    ],
    ['a job failing is not lost capacity', crashLoopProd, [group(alert('prod', 'api', 'job-failing'))], undefined],
    ['nothing firing holds nothing back', crashLoopProd, [], undefined],
  ])('%s', (_, target, firing, by) => {
    expect(inhibitorOf(DEFAULT_INHIBIT_RULES, target, firing)?.by).toBe(by);
  });

  it('holds back only the targets: a lost host, a job failing, an out-of-memory loop go out', () => {
    for (const category of ['host-lost', 'job-failing', 'out-of-memory', 'launch-failed']) {
      expect(inhibitorOf(DEFAULT_INHIBIT_RULES, group(alert('prod', 'worker', category)), [hostLostProd])).toBeUndefined();
    }
  });

  it('names the rule that holds', () => {
    expect(inhibitorOf(DEFAULT_INHIBIT_RULES, crashLoopProd, [hostLostProd])).toEqual({ by: hostLostProd.groupKey, rule: 'lost-capacity' });
  });
});

describe('inhibitorOf, rules of automation.yml', () => {
  const rule = (source: string[], target: string[], equal: InhibitRule['equal'], name = 'r'): InhibitRule => ({
    name,
    sourceMatchers: source.map(parseMatcher),
    targetMatchers: target.map(parseMatcher),
    equal,
  });

  it('a group never inhibits itself, though it matches both sides', () => {
    const criticalHoldsAll = rule(['severity=critical'], ['cluster=~".+"'], []);
    expect(inhibitorOf([criticalHoldsAll], crashLoopProd, [crashLoopProd])).toBeUndefined();
  });

  it('two groups on both sides of a rule do not hold each other back (Alertmanager)', () => {
    const criticalHoldsCritical = rule(['severity=critical'], ['severity=critical'], ['cluster']);
    expect(inhibitorOf([criticalHoldsCritical], crashLoopProd, [hostLostProd])).toBeUndefined();
    // A group on the source side only still inhibits it.
    const warningHoldsCritical = rule(['severity=~"critical|warning"'], ['severity=critical'], ['cluster']);
    const warning = group(alert('prod', 'api', 'start-impaired', 'warning'));
    expect(inhibitorOf([warningHoldsCritical], crashLoopProd, [warning])?.by).toBe(warning.groupKey);
  });

  it('equal compares every label it names; without equal, any source anywhere inhibits', () => {
    const sameSubject = rule(['category=placement-failure'], ['category=app-error'], ['cluster', 'subject']);
    const webAppError = group(alert('prod', 'web', 'app-error'));
    expect(inhibitorOf([sameSubject], webAppError, [group(alert('prod', 'api', 'placement-failure'))])).toBeUndefined();
    expect(inhibitorOf([sameSubject], webAppError, [group(alert('prod', 'web', 'placement-failure'))])?.by).toBe(
      'prod|service:web|placement-failure',
    );
    const anywhere = rule(['category=host-lost'], ['category=app-error'], []);
    expect(inhibitorOf([anywhere], appErrorStaging, [hostLostProd])?.by).toBe(hostLostProd.groupKey);
  });

  it('the first rule that holds is named', () => {
    const rules = [
      rule(['category=deployment-failed'], ['category=crash-loop'], [], 'first'),
      rule(['category=host-lost'], ['category=crash-loop'], [], 'second'),
    ];
    expect(inhibitorOf(rules, crashLoopProd, [hostLostProd])?.rule).toBe('second');
  });
});

describe('inhibitionHold', () => {
  /** The list as a fake that records what was read, over the groups given as firing. */
  function listOf(firing: LabelledGroup[]) {
    const reads: string[] = [];
    const list = {
      groupKeys: async (_status: string, cluster?: string) => {
        reads.push(`query ${cluster ?? '(all)'}`);
        return firing.filter((g) => cluster === undefined || g.alert.cluster === cluster).map((g) => g.groupKey);
      },
      labelled: async (keys: readonly string[]) => {
        reads.push(`labels of ${keys.length}`);
        return firing.filter((g) => keys.includes(g.groupKey));
      },
    } as unknown as AlertGroupList;
    return { list, reads };
  }
  const now = new Date('2026-12-05T10:00:00Z');

  it('holds a firing crash loop while a host-lost group of its cluster fires, reading that cluster only', async () => {
    const { list, reads } = listOf([hostLostProd, appErrorStaging]);
    const hold = await inhibitionHold(DEFAULT_INHIBIT_RULES, list)({ ...crashLoopProd, status: 'firing' }, now);
    expect(hold).toEqual<Hold>({ kind: 'inhibited', by: hostLostProd.groupKey, rule: 'lost-capacity' });
    expect(reads).toEqual(['query prod', 'labels of 1']);
  });

  it('reads nothing for a message no rule targets, and never holds a resolved message', async () => {
    const { list, reads } = listOf([hostLostProd]);
    const check = inhibitionHold(DEFAULT_INHIBIT_RULES, list);
    expect(await check({ ...group(alert('prod', 'nightly', 'job-failing')), status: 'firing' }, now)).toBeUndefined();
    expect(await check({ ...crashLoopProd, status: 'resolved' }, now)).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('reads no labels when nothing else fires in the cluster (the group itself is left out)', async () => {
    const { list, reads } = listOf([crashLoopProd]);
    expect(await inhibitionHold(DEFAULT_INHIBIT_RULES, list)({ ...crashLoopProd, status: 'firing' }, now)).toBeUndefined();
    expect(reads).toEqual(['query prod']);
  });

  it('reads every cluster when a rule targeting the message does not need the same cluster', async () => {
    const anywhere: InhibitRule = {
      name: 'any',
      sourceMatchers: [parseMatcher('category=host-lost')],
      targetMatchers: [parseMatcher('category=app-error')],
      equal: [],
    };
    const { list, reads } = listOf([hostLostProd]);
    expect((await inhibitionHold([anywhere], list)({ ...appErrorStaging, status: 'firing' }, now))?.by).toBe(hostLostProd.groupKey);
    expect(reads).toEqual(['query (all)', 'labels of 1']);
  });
});

describe('notifications.inhibit in automation.yml', () => {
  const inhibitOf = (notifications: Record<string, unknown>) => validateAutomation({ notifications }).notifications.inhibit;

  it('applies the default rule without inhibit; [] turns inhibition off', () => {
    expect(inhibitOf({})).toEqual(DEFAULT_INHIBIT_RULES);
    expect(validateAutomation({}).notifications.inhibit).toEqual(DEFAULT_INHIBIT_RULES);
    expect(inhibitOf({ inhibit: [] })).toEqual([]);
  });

  it('reads rules with matchers as silences write them, and names the unnamed by position', () => {
    const rules = inhibitOf({
      inhibit: [
        {
          sourceMatchers: ['category=host-lost'],
          targetMatchers: ['category=~"app-error|crash-loop"', 'severity=warning'],
          equal: ['cluster'],
        },
        { name: 'deploys', sourceMatchers: ['category=deployment-failed'], targetMatchers: ['category=crash-loop'] },
      ],
    });
    expect(rules).toEqual([
      {
        name: '#1',
        sourceMatchers: [{ label: 'category', operator: '=', value: 'host-lost' }],
        targetMatchers: [
          { label: 'category', operator: '=~', value: 'app-error|crash-loop' },
          { label: 'severity', operator: '=', value: 'warning' },
        ],
        equal: ['cluster'],
      },
      {
        name: 'deploys',
        sourceMatchers: [{ label: 'category', operator: '=', value: 'deployment-failed' }],
        targetMatchers: [{ label: 'category', operator: '=', value: 'crash-loop' }],
        equal: [],
      },
    ]);
  });

  it('refuses a bad matcher, an unknown equal label and a side without matchers, saying where', () => {
    const problems = (inhibit: unknown) => {
      try {
        validateAutomation({ notifications: { inhibit } });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems.join('\n');
      }
      throw new Error('accepted');
    };
    expect(problems([{ sourceMatchers: ['clustr=prod'], targetMatchers: ['category=app-error'] }])).toMatch(
      /notifications\.inhibit\.0\.sourceMatchers.*unknown label "clustr".*did you mean "cluster"/,
    );
    expect(problems([{ sourceMatchers: ['category=host-lost'], targetMatchers: ['category=app-error'], equal: ['service'] }])).toMatch(
      /notifications\.inhibit\.0\.equal/,
    );
    expect(problems([{ sourceMatchers: [], targetMatchers: ['category=app-error'] }])).toMatch(/at least one matcher/);
  });
});
