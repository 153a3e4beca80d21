import fc from 'fast-check';
import { expect, it } from 'vitest';
import { garble, MARKUP_NASTY, RUNS } from '../../test-support/garble.ts';
import { loginEventFromMessage } from './auth-message-parse.ts';
import { scrubSecrets, scrubUserName } from './scrub.ts';

/** However a secret is embedded, it never comes out of the scrubber, and scrubbing is stable. */

const { anyText } = garble(MARKUP_NASTY);
const upperDigits = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
  minLength: 16,
  maxLength: 16,
});
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 });
const b64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'),
  minLength: 43,
  maxLength: 43,
});
const awsKey = fc.tuple(fc.constantFrom('AKIA', 'ASIA'), upperDigits).map(([p, rest]) => p + rest);
const pmtToken = fc.tuple(hex, b64url).map(([id, secret]) => `pmt_${id}_${secret}`);

const AWS_LEFT = /(?:AKIA|ASIA)[A-Z0-9]{16}/;
const PMT_LEFT = /pmt_[0-9a-fA-F]{16}_[A-Za-z0-9_-]{43}/;

it('no AKIA/ASIA key id or pmt_ token survives, whatever surrounds it', () => {
  fc.assert(
    fc.property(
      anyText,
      fc.oneof(awsKey, pmtToken),
      anyText,
      fc.array(fc.oneof(awsKey, pmtToken), { maxLength: 3 }),
      (before, secret, after, more) => {
        const out = scrubSecrets(before + secret + after + more.join(''));
        expect(out).not.toMatch(AWS_LEFT);
        expect(out).not.toMatch(PMT_LEFT);
        expect(out).not.toContain(secret);
      },
    ),
    RUNS,
  );
});

it('a secret in a login message leaves neither the body nor the user field', () => {
  fc.assert(
    fc.property(
      fc.oneof(awsKey, pmtToken),
      fc.constantFrom('Failed password for invalid user ', 'Failed password for '),
      (secret, prefix) => {
        const event = loginEventFromMessage(0, 'sshd', `${prefix}${secret} from 192.0.2.1 port 22 ssh2`);
        expect(event).not.toBeNull();
        expect(event!.message).not.toContain(secret);
        expect(event!.user).not.toContain(secret);
      },
    ),
    RUNS,
  );
});

it('scrubbing is idempotent and never throws; scrubUserName is null, [redacted] or a string', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      const once = scrubSecrets(text);
      expect(scrubSecrets(once)).toBe(once);
      const user = scrubUserName(text);
      expect(user === null || typeof user === 'string').toBe(true);
    }),
    RUNS,
  );
});
