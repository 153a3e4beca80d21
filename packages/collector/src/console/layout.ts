import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ConsoleAssets } from './assets.ts';

/**
 * The page shell every console page shares. No inline script or style anywhere (the CSP forbids
 * both): behaviour comes from the linked files, data from `<script type="application/json">`
 * blocks, which browsers never execute. Every value goes through hono/html's escaping.
 */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageShell {
  title: string;
  /** The nav entry to mark current (a NAV key; a node page marks none). */
  current?: string;
  /** Who is signed in; absent on the sign-in page (no nav, no sign-out). */
  subject?: string;
  scripts?: readonly string[];
  /** Extra stylesheets (uPlot's). */
  styles?: readonly string[];
  body: Html;
}

/** The top navigation: one entry per page reached from every page (a page with no entry is linked from another). */
export const NAV: ReadonlyArray<{ key: string; href: string; label: string }> = [
  { key: 'fleet', href: '/', label: 'Fleet' },
  { key: 'alerts', href: '/alerts', label: 'Alerts' },
  { key: 'models', href: '/models', label: 'Models' },
];

export function renderPage(assets: ConsoleAssets, page: PageShell): Html {
  const styles = ['/console/assets/console.css', ...(page.styles ?? [])];
  const scripts = ['/console/assets/console.js', ...(page.scripts ?? [])];
  const nav =
    page.subject === undefined
      ? ''
      : html`<nav class="top">
          <span class="brand">Perimeter</span>
          ${NAV.map((entry) => html`<a href="${entry.href}" class="${page.current === entry.key ? 'current' : ''}">${entry.label}</a>`)}
          <span class="spacer"></span>
          <span class="who">signed in as ${page.subject}</span>
          <form method="post" action="/sign-out" class="inline"><button type="submit">Sign out</button></form>
        </nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Perimeter</title>
${styles.map((href) => html`<link rel="stylesheet" href="${assets.url(href)}">`)}
${scripts.map((src) => html`<script src="${assets.url(src)}" defer></script>`)}
</head>
<body>
${nav}
<main>${page.body}</main>
</body>
</html>`;
}

/** JSON for a `<script type="application/json">` block: `<`, `>` and `&` escaped so no text can close the element. */
export function jsonBlock(id: string, value: unknown): Html {
  const text = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  // Already safe inside the element; html`` would entity-escape it and break the JSON.
  return html`<script type="application/json" id="${id}">${raw(text)}</script>`;
}

export const isoOf = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '' : new Date(ms).toISOString();
