import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ModelInventory } from '../../derive/model-inventory.ts';
import type { ConsoleAssets } from '../assets.ts';
import type { ConsoleContext } from '../console-context.ts';
import { type Html, isoOf, renderPage } from '../layout.ts';

/**
 * Models: per model name, the weights digest most of the fleet holds and every node × digest
 * (the same inventory as GET /api/v1/models), with weights differing from the fleet and weights
 * failing their integrity check marked.
 */
export function modelsPage(ctx: ConsoleContext): Hono {
  const app = new Hono();
  app.get('/models', ctx.requirePage, (c) =>
    c.html(renderModels(ctx.assets, c.get('consoleSession').subject, ctx.models())),
  );
  return app;
}

export function renderModels(assets: ConsoleAssets, subject: string, inventory: ModelInventory): Html {
  const majority = new Map(inventory.fleet.map((f) => [f.name, f.majority]));
  const failing = inventory.models.filter((m) => m.integrity.verdict !== 'ok').length;
  const differing = inventory.models.filter((m) => m.drift).length;
  return renderPage(assets, {
    title: 'Models',
    current: 'models',
    subject,
    body: html`<h1>Models</h1>
      <p>${inventory.models.length} model(s) on ${new Set(inventory.models.map((m) => m.nodeId)).size} node(s);
        <span class="${failing > 0 ? 'state firing' : ''}">${failing} failing integrity</span>,
        <span class="${differing > 0 ? 'state pending' : ''}">${differing} differing from the fleet</span>.</p>
      ${
        inventory.models.length === 0
          ? html`<p class="muted" id="no-models">No node has reported a model (the agent's models sampler).</p>`
          : html`<table id="models" class="grid">
        <thead><tr><th>Model</th><th>Node</th><th>Weights SHA-256</th><th>Fleet</th><th>Integrity</th><th>Source</th><th>Path</th><th>Last seen (UTC)</th></tr></thead>
        <tbody>${[...inventory.models]
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.nodeId < b.nodeId ? -1 : 1))
          .map(
            (
              m,
            ) => html`<tr class="${m.integrity.verdict !== 'ok' ? 'firing' : m.drift ? 'pending' : ''}" data-node="${m.nodeId}" data-model="${m.name}">
            <td>${m.name}</td>
            <td><a href="/nodes/${encodeURIComponent(m.nodeId)}">${m.nodeId}</a></td>
            <td><code>${m.digest}</code></td>
            <td class="fleet">${m.drift ? html`<span class="state pending">DIFFERS</span> <small class="muted">majority ${majority.get(m.name) ?? ''}</small>` : majority.get(m.name) === null ? 'no majority' : 'majority'}</td>
            <td class="integrity">${m.integrity.verdict === 'ok' ? 'ok' : html`<span class="state firing">${m.integrity.verdict.toUpperCase()}</span> <small>${isoOf(m.integrity.atMs)}, observed ${m.integrity.observed || '—'}</small>`}</td>
            <td>${m.source}</td>
            <td><code>${m.path}</code></td>
            <td><time datetime="${isoOf(m.lastSeenMs)}">${isoOf(m.lastSeenMs)}</time></td>
          </tr>`,
          )}</tbody></table>`
      }`,
  });
}
