import { html } from 'hono/html';
import type { ConsoleAssets } from './assets.ts';
import { type Html, renderPage } from './layout.ts';

/** A page that says what went wrong (unknown node, bad window, no such page), with the way back. */
export function problemPage(
  assets: ConsoleAssets,
  subject: string | undefined,
  title: string,
  message: string,
): Html {
  return renderPage(assets, {
    title,
    subject,
    body: html`<h1>${title}</h1><p class="error">${message}</p><p><a href="/">Back to the fleet</a></p>`,
  });
}
