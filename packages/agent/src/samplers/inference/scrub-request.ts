import { REDACTED, scrubSecrets, scrubUserName } from '../logins/scrub.ts';

/**
 * Access logs carry secrets where nobody meant them to be: `?api_key=sk-…` in a query, a token in
 * a path segment (`/key/sk-…`), a token configured as the "user" field by mistake. The route keeps
 * its path only (a query is never sent), with key-shaped segments redacted; the user name goes
 * through the logins scrub (a password-looking name is redacted) plus the API-key shapes below.
 */
const API_KEY = /\b(?:sk|pk|rk|hf|gsk|xai)[-_][A-Za-z0-9_-]{8,}/g;
const KEY_SHAPED_USER = /^(?:Bearer\s|Basic\s|sk-|hf_|pmt_|eyJ)/i;

export function scrubRoute(uri: string): string {
  const path = uri.split(/[?#]/, 1)[0] ?? '';
  return scrubSecrets(path.replace(API_KEY, REDACTED));
}

/** The user to report, or null for nobody (`-`, empty); never a credential. */
export function scrubInferenceUser(user: string | null | undefined): string | null {
  if (user === null || user === undefined || user === '' || user === '-') return null;
  if (KEY_SHAPED_USER.test(user) || user.replace(API_KEY, '') !== user) return REDACTED;
  return scrubUserName(user);
}
