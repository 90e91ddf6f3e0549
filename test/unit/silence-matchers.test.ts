import { describe, expect, it } from 'vitest';
import { formatMatcher, MatcherError, matchesAll, parseMatcher, parseMatchers } from '../../shared/alerts/silence-matchers.ts';
import type { AlertBlock } from '../../shared/events/alert.ts';

const nightlyFails: AlertBlock = {
  cluster: 'prod',
  subject: { kind: 'job', name: 'nightly-report' },
  category: 'app-error',
  severity: 'warning',
};
const webCrashLoop: AlertBlock = {
  cluster: 'prod',
  subject: { kind: 'service', name: 'web' },
  category: 'crash-loop',
  severity: 'critical',
};
const stagingIngest: AlertBlock = {
  cluster: 'staging',
  subject: { kind: 'watched-task', name: 'nightly-report' },
  category: 'out-of-memory',
  severity: 'critical',
};

const matching = (...texts: string[]) =>
  [nightlyFails, webCrashLoop, stagingIngest].filter((alert) => matchesAll(parseMatchers(texts), alert)).map((a) => a.subject.name);

describe('matchers', () => {
  it.each([
    [['cluster=prod'], ['nightly-report', 'web']],
    [['cluster!=prod'], ['nightly-report']],
    [['category=~"crash-loop|app-error"'], ['nightly-report', 'web']],
    [['category!~"crash-loop|app-error"'], ['nightly-report']],
    [['severity!=warning'], ['web', 'nightly-report']],
    [['subject=job:nightly-report'], ['nightly-report']],
    // Without a kind: the name of a subject of any kind.
    [['subject=nightly-report'], ['nightly-report', 'nightly-report']],
    [['subject!=nightly-report'], ['web']],
    [['subject=~"job:.*"'], ['nightly-report']],
    [['subject=~"nightly-.*"'], ['nightly-report', 'nightly-report']],
    [['cluster=prod', 'severity=critical'], ['web']],
    [['cluster=prod', 'subject=watched-task:nightly-report'], []],
  ])('%j matches %j', (texts, names) => {
    expect(matching(...texts).sort()).toEqual([...names].sort());
  });

  it('anchors a regex at both ends, as Alertmanager does', () => {
    expect(matching('category=~crash')).toEqual([]);
    expect(matching('category=~"crash.*"')).toEqual(['web']);
    expect(matching('cluster=~"pro"')).toEqual([]);
  });

  it('reads a quoted value with its escapes, and writes each matcher back in a form that parses to itself', () => {
    expect(parseMatcher('category="app-error"')).toEqual({ label: 'category', operator: '=', value: 'app-error' });
    expect(parseMatcher(' cluster != "a \\"b\\"" ')).toEqual({ label: 'cluster', operator: '!=', value: 'a "b"' });
    for (const text of ['cluster=prod', 'category=~"crash-loop|app-error"', 'severity!=warning', 'subject!~"job:.*"']) {
      const matcher = parseMatcher(text);
      expect(parseMatcher(formatMatcher(matcher))).toEqual(matcher);
    }
    expect(formatMatcher(parseMatcher('category=~crash-loop|app-error'))).toBe('category=~"crash-loop|app-error"');
  });

  it.each([
    ['', /a matcher is empty/],
    ['   ', /a matcher is empty/],
    ['prod', /"prod" is not a matcher: write label=value/],
    ['clustr=prod', /unknown label "clustr" .*the labels are cluster, subject, category, severity; did you mean "cluster"\?/],
    ['service=web', /unknown label "service"/],
    ['category=~"crash(loop"', /not a regular expression/],
    ['cluster=', /empty value/],
    ['cluster=""', /empty value/],
    ['severity=page', /severity is critical or warning/],
    ['cluster="prod', /closing quote is missing/],
  ])('refuses %j', (text, problem) => {
    expect(() => parseMatcher(text)).toThrow(MatcherError);
    expect(() => parseMatcher(text)).toThrow(problem);
  });

  it('needs at least one matcher', () => {
    expect(() => parseMatchers([])).toThrow(/at least one matcher/);
  });
});
