import { describe, expect, it } from 'vitest';
import { looksLikePassword, scrubMessage, scrubSecrets, scrubUserName } from './scrub.ts';

describe('scrubSecrets', () => {
  it.each([
    ['key AKIAIOSFODNN7EXAMPLE here', 'key [redacted] here'],
    ['sts ASIAY34FZKBOKMUTVV7A', 'sts [redacted]'],
    ['AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '[redacted] [redacted]'],
    ['curl -H "Authorization: Basic dXNlcjpwYXNz" x', 'curl -H "Authorization: [redacted]'],
    ['token Bearer abc.def-ghi_jkl~ end', 'token Bearer [redacted] end'],
    [`use pmt_0123456789abcdef_${'A'.repeat(43)} now`, 'use [redacted] now'],
    ['mysql --password=hunter2 -u root', 'mysql --password=[redacted] -u root'],
    ['passwd: "a b c" next', 'passwd: [redacted] next'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x ok', 'jwt [redacted] ok'],
  ])('%s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it('keeps what only looks secret-ish: sudo PWD=, hashes without an AWS key, NOPASSWD', () => {
    const line = 'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls';
    expect(scrubSecrets(line)).toBe(line);
    const sha1ish = 'commit 0123456789abcdef0123456789abcdef01234567 NOPASSWD: ALL';
    expect(scrubSecrets(sha1ish)).toBe(sha1ish);
  });
});

describe('scrubUserName', () => {
  it.each([
    ['root', 'root'],
    ['john.smith', 'john.smith'],
    ['John.Smith2', 'John.Smith2'],
    ['Jane.Doe@Example.com', 'Jane.Doe@Example.com'],
    ['CORP\\jsmith', 'CORP\\jsmith'],
    ['josé', 'josé'],
    ['_mbsetupuser', '_mbsetupuser'],
    ['', null],
    ['Hunter2!Summer', '[redacted]'],
    ['P@ssw0rd2024', '[redacted]'],
    ['two words', '[redacted]'],
    ['a'.repeat(33), '[redacted]'],
  ])('%s → %s', (user, expected) => {
    expect(scrubUserName(user)).toBe(expected);
  });

  it('short mixed strings are names, not passwords (too short to tell)', () => {
    expect(looksLikePassword('Ab1!')).toBe(false);
  });

  it('scrubMessage removes a redacted user from the body, every occurrence', () => {
    expect(scrubMessage('user Tr0ub4dor&3x; again Tr0ub4dor&3x', 'Tr0ub4dor&3x')).toBe(
      'user [redacted]; again [redacted]',
    );
    expect(scrubMessage('user alice', 'alice')).toBe('user alice');
  });
});
