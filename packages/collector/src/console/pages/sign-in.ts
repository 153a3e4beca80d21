import { html } from 'hono/html';
import type { ConsoleAssets } from '../assets.ts';
import { type Html, renderPage } from '../layout.ts';

/** The sign-in form: a reader or admin token, posted once and never echoed back. */
export function renderSignIn(assets: ConsoleAssets, options: { message?: string; next?: string }): Html {
  return renderPage(assets, {
    title: 'Sign in',
    body: html`<section class="sign-in">
      <h1>Perimeter console</h1>
      <p>Sign in with a reader or admin token (<code>perimeter-collector tokens create --node NAME --role reader</code>).</p>
      ${options.message === undefined ? '' : html`<p class="error" role="alert">${options.message}</p>`}
      <form method="post" action="/sign-in" autocomplete="off">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" required autofocus spellcheck="false">
        <input type="hidden" name="next" value="${options.next ?? '/'}">
        <button type="submit">Sign in</button>
      </form>
    </section>`,
  });
}
