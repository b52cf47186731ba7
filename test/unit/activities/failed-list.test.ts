/** The failed-object list parser and the bounded summary (activities/obs/failed-list.ts). */
import { Readable } from 'node:stream';

import { FailedListSummarizer, parseFailedListLine, summarizeFailedList } from '../../../activities/obs/failed-list';

describe('parseFailedListLine', () => {
  it.each([
    ['a/b.dat', { key: 'a/b.dat' }],
    ['a/b.dat\r', { key: 'a/b.dat' }],
    ['key with spaces.txt', { key: 'key with spaces.txt' }],
    ['a/b.dat\tTRF.0159', { key: 'a/b.dat', error_code: 'TRF.0159' }],
    [
      'a/b.dat\tTRF.0159\tsource throttled\tretry later',
      { key: 'a/b.dat', error_code: 'TRF.0159', reason: 'source throttled\tretry later' },
    ],
    ['http://h/x.png\tx.png', { key: 'http://h/x.png\tx.png' }],
    ['http://h/x.png\tx.png\tTRF.0012', { key: 'http://h/x.png\tx.png', error_code: 'TRF.0012' }],
    ['not\ta code', { key: 'not\ta code' }],
  ])('%j', (line, expected) => {
    expect(parseFailedListLine(line)).toEqual(expected);
  });

  it('skips empty and blank lines', () => {
    expect(parseFailedListLine('')).toBeUndefined();
    expect(parseFailedListLine('  \r')).toBeUndefined();
  });
});

describe('summaries', () => {
  it('a keys-only list: count, first N keys, reasons not recorded, bytes', async () => {
    const text = '\uFEFFk0\r\nk1\n\nk2\nk3\n';
    const summary = await summarizeFailedList(Readable.from([Buffer.from(text)]), { maxKeys: 2 });
    expect(summary).toEqual({
      count: 4,
      first_keys: ['k0', 'k1'],
      reasons: 'not recorded in the list',
      list_bytes: Buffer.byteLength(text),
    });
  });

  it('lines split across chunks are read whole', async () => {
    const summary = await summarizeFailedList(
      Readable.from([Buffer.from('ab'), Buffer.from('c\nd'), Buffer.from('e\n')]),
      {
        maxKeys: 10,
      },
    );
    expect(summary.first_keys).toEqual(['abc', 'de']);
  });

  it('a histogram by code and reason, most frequent first, the tail folded into "other"', () => {
    const s = new FailedListSummarizer({ maxKeys: 20, maxReasons: 2 });
    for (let i = 0; i < 5; i++) s.add({ key: `a${i}`, error_code: 'TRF.0159' });
    for (let i = 0; i < 3; i++) s.add({ key: `b${i}`, error_code: 'TRF.0061', reason: 'dst error' });
    s.add({ key: 'c', error_code: 'TRF.0012' });
    s.add({ key: 'd' });
    expect(s.summary().reasons).toEqual([
      { error_code: 'TRF.0159', count: 5 },
      { error_code: 'TRF.0061', reason: 'dst error', count: 3 },
      { error_code: 'other', count: 2 },
    ]);
    expect(s.summary().count).toBe(10);
  });

  it('stays bounded whatever the list: 100,000 long keys give 20 keys within 4 KiB', async () => {
    const key = (i: number): string => `${'x'.repeat(300)}/${i}`;
    const lines = Array.from({ length: 100_000 }, (_, i) => `${key(i)}\tTRF.0159\t${'r'.repeat(500)}`);
    const summary = await summarizeFailedList(Readable.from([Buffer.from(lines.join('\n'))]), { maxKeys: 20 });
    expect(summary.count).toBe(100_000);
    expect(summary.first_keys).toEqual(Array.from({ length: 13 }, (_, i) => key(i)));
    expect(summary.reasons).toEqual([{ error_code: 'TRF.0159', reason: 'r'.repeat(200), count: 100_000 }]);
    expect(JSON.stringify(summary).length).toBeLessThan(4_096 + 400);
  });
});
