/**
 * Test helper: the `log N pass = <line>` values of a Wazuh ruleset test INI
 * (`ruleset/testing/tests/*.ini`), keyed `<section> / log N`. Used only by the tests that read the
 * shared fixtures in place.
 */
export interface WazuhCase {
  key: string;
  line: string;
}

export function wazuhIniCases(text: string): WazuhCase[] {
  const cases: WazuhCase[] = [];
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const header = /^\[(.*)\]$/.exec(raw.trim());
    if (header) section = header[1]!;
    const log = /^log (\d+) pass = (.*)$/.exec(raw);
    if (log) cases.push({ key: `${section} / log ${log[1]}`, line: log[2]! });
  }
  return cases;
}
