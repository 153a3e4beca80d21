import { describe, expect, it } from 'vitest';
import { toCsv } from './render-csv.ts';

describe('evidence CSV', () => {
  it('neutralises cells a spreadsheet would run as formulas (OWASP CSV injection), numbers kept', () => {
    const csv = toCsv(
      ['user', 'count'],
      [
        ['=HYPERLINK("http://evil.example/x")', 3],
        ['+1+1', -4],
        ['-2+3', 0],
        ['@SUM(A1)', 1],
        ['\tcmd', 1],
        ['\rcmd', 1],
        ['alice', 2],
      ],
    );
    expect(csv.split('\r\n')).toEqual([
      'user,count',
      `"'=HYPERLINK(""http://evil.example/x"")",3`,
      `"'+1+1",-4`,
      `"'-2+3",0`,
      `"'@SUM(A1)",1`,
      `"'\tcmd",1`,
      `"'\rcmd",1`,
      'alice,2',
      '',
    ]);
  });
});
