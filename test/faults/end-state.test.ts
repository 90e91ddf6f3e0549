/** How a sweep tells an end from the fault-free one: lost, duplicated or diverged, and what exactly. */
import { describe, expect, it } from 'vitest';
import { conflictingEvents, differencesFrom, type EndState } from './end-state.ts';

const state = (parts: Partial<EndState> = {}): EndState => ({ events: [], items: {}, facts: {}, ...parts });
const event = (id: string, content: unknown = 'Job Run Started', key?: string) => ({ id, content, ...(key && { key }) });
const kinds = (reference: EndState, end: EndState, start = state()) => differencesFrom(reference, end, start).map((d) => d.kind);

describe('differences from the fault-free end', () => {
  it('finds none in an equal end, and takes an event republished under its id with the same content once', () => {
    const reference = state({ events: [event('a'), event('b')], items: { tasks: ['x', 'y'] }, facts: { count: 2 } });
    expect(differencesFrom(reference, reference, state())).toEqual([]);
    expect(differencesFrom(reference, state({ ...reference, events: [event('b'), event('a'), event('a')] }), state())).toEqual([]);
  });

  it('calls an event never published lost, and one published under another id or an id twice with other content duplicated', () => {
    const reference = state({ events: [event('a'), event('b')] });
    expect(differencesFrom(reference, state({ events: [event('a')] }), state())).toEqual([
      { kind: 'lost', what: 'event b ("Job Run Started") never published' },
    ]);
    expect(kinds(reference, state({ events: [event('a'), event('b'), event('c')] }))).toEqual(['duplicated']);
    expect(differencesFrom(reference, state({ events: [event('a'), event('b'), event('b', 'Job Run Failed')] }), state())).toEqual([
      {
        kind: 'duplicated',
        what: 'event b published 2 times with different content: "Job Run Started" | "Job Run Failed"',
      },
    ]);
  });

  it('calls an event whose content differs diverged, and matches events by their key when ids differ from world to world', () => {
    expect(kinds(state({ events: [event('a')] }), state({ events: [event('a', 'Job Run Failed')] }))).toEqual(['diverged']);
    const reference = state({ events: [event('stopped:task/1', 'Watched Task Stopped', 'Watched Task Stopped')] });
    expect(kinds(reference, state({ events: [event('stopped:task/2', 'Watched Task Stopped', 'Watched Task Stopped')] }))).toEqual([]);
    expect(
      kinds(
        reference,
        state({
          events: [
            event('stopped:task/2', 'Watched Task Stopped', 'Watched Task Stopped'),
            event('stopped:task/3', 'Watched Task Stopped', 'Watched Task Stopped'),
          ],
        }),
      ),
    ).toEqual(['duplicated']);
  });

  it('compares items as multisets: one missing is lost, one more duplicated, one instead of another diverged', () => {
    const reference = state({ items: { tasks: ['report on FARGATE', 'report on FARGATE'] } });
    expect(differencesFrom(reference, state({ items: { tasks: ['report on FARGATE'] } }), state())).toEqual([
      { kind: 'lost', what: 'tasks: "report on FARGATE" missing' },
    ]);
    expect(kinds(reference, state({ items: { tasks: ['report on FARGATE', 'report on FARGATE', 'report on FARGATE'] } }))).toEqual([
      'duplicated',
    ]);
    expect(kinds(reference, state({ items: { tasks: ['report on FARGATE', 'report on FARGATE_SPOT'] } }))).toEqual(['diverged']);
  });

  it('calls a fact left as it was before the delivery lost (a change not made), and any other difference diverged', () => {
    const start = state({ facts: { service: { desiredCount: 3 }, bounds: [2, 10] } });
    const reference = state({ facts: { service: { desiredCount: 5 }, bounds: [4, 12] } });
    expect(differencesFrom(reference, start, start)).toEqual([
      { kind: 'lost', what: 'service.desiredCount: left at 3, not changed to 5' },
      { kind: 'lost', what: 'bounds: left at [2,10], not changed to [4,12]' },
    ]);
    expect(differencesFrom(reference, state({ facts: { service: { desiredCount: 6 }, bounds: [4, 12] } }), start)).toEqual([
      { kind: 'diverged', what: 'service.desiredCount: 6 instead of 5' },
    ]);
    expect(kinds(reference, state({ facts: { service: { desiredCount: 5 }, bounds: [4, 12], extra: true } }), start)).toEqual(['diverged']);
  });

  it('names the ids a fault-free run itself published with two contents', () => {
    expect(conflictingEvents(state({ events: [event('a'), event('a', 'other')] }))).toHaveLength(1);
    expect(conflictingEvents(state({ events: [event('a'), event('a')] }))).toEqual([]);
  });
});
