/**
 * Secrets must not leave the node inside a login event. Log lines carry them more often than one
 * would hope: a command line with `password=…` or an AWS key in a sudo COMMAND, an `Authorization:`
 * header pasted into a shell, and — the classic leak — a password typed into the user-name prompt,
 * which sshd, login and PAM then log verbatim as the "user" of a failed login
 * (`Invalid user Hunter2!Summer from …`). Everything here replaces with `[redacted]`, never with a
 * partial mask, so nothing of the secret (not even its length) survives.
 */

export const REDACTED = '[redacted]';

/** AWS access key ids: long-term (AKIA), STS (ASIA) and the other documented unique-id prefixes. */
const AWS_KEY_ID = /(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|ASCA|A3T[A-Z0-9])[A-Z0-9]{16}/g;
/** A 40-character base64 run standing alone: the shape of an AWS secret access key. */
const AWS_SECRET_LIKE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/** Perimeter's own node tokens (collector tokens/token-store.ts: `pmt_<16 hex id>_<43 base64url>`). */
const PERIMETER_TOKEN = /pmt_[0-9a-fA-F]{16}_[A-Za-z0-9_-]{43}/g;
/** JSON Web Tokens: base64url header (always `eyJ`, i.e. `{"`), payload and an optional signature. */
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** `Authorization: <scheme> <credentials>` up to the end of the field. */
const AUTHORIZATION = /(\bAuthorization\s*[:=]\s*)[^\r\n;,]+/gi;
const BEARER = /(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;
/**
 * `password=…`, `passwd: …` and friends, quoted or not. Deliberately not `PWD=` (sudo's working
 * directory) and not `pass` alone (too common in ordinary words).
 */
const KEY_VALUE_SECRET =
  /(\b(?:password|passwd|passphrase|secret|aws_secret_access_key|api[_-]?key|access[_-]?token)\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;,&]+)/gi;

/** `text` with every secret-looking token replaced by `[redacted]`. Never throws. */
export function scrubSecrets(text: string): string {
  const hadAwsKey = text.search(AWS_KEY_ID) !== -1;
  let out = text
    .replace(PERIMETER_TOKEN, REDACTED)
    .replace(JWT, REDACTED)
    .replace(AUTHORIZATION, `$1${REDACTED}`)
    .replace(BEARER, `$1${REDACTED}`)
    .replace(KEY_VALUE_SECRET, `$1${REDACTED}`)
    .replace(AWS_KEY_ID, REDACTED);
  // A bare 40-character base64 run is only a secret by context: next to a key id it is the key's
  // secret half; elsewhere it is as likely a hash or a path, which we keep.
  if (hadAwsKey) out = out.replace(AWS_SECRET_LIKE, REDACTED);
  return out;
}

/** Letters, dots, dashes, underscores and an `@domain` or `DOMAIN\` part: how real account names look. */
const NAME_LIKE = /^(?:[\p{L}\p{N}-]+\\)?\p{L}[\p{L}\p{M}]*(?:[._@-]\p{L}[\p{L}\p{M}]*)*\d{0,4}$/u;

/**
 * Whether a "user name" is more likely a password typed into the wrong prompt: longer than any
 * sane account name (> 32, the utmp limit), containing whitespace, or mixing at least three of
 * {lower, upper, digit, symbol} over 10+ characters unless it has the shape of `first.last`.
 */
export function looksLikePassword(user: string): boolean {
  if ([...user].length > 32) return true;
  if (/\s/u.test(user)) return true;
  if ([...user].length < 10 || NAME_LIKE.test(user)) return false;
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}]/u].filter((re) => re.test(user)).length;
  return classes >= 3;
}

/**
 * The user name to report: null when empty, `[redacted]` when it looks like a password (see
 * looksLikePassword), otherwise the name itself with any embedded secret scrubbed.
 */
export function scrubUserName(user: string): string | null {
  if (user === '') return null;
  if (looksLikePassword(user)) return REDACTED;
  return scrubSecrets(user);
}

/**
 * The body of an event whose user field was `rawUser`: when that name was redacted it must not
 * survive in the message either, so every occurrence is replaced before the general scrub.
 */
export function scrubMessage(message: string, rawUser: string | null): string {
  let text = message;
  if (rawUser !== null && rawUser !== '' && scrubUserName(rawUser) === REDACTED) {
    text = text.split(rawUser).join(REDACTED);
  }
  return scrubSecrets(text);
}
