import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';

/**
 * The console's static files, served by the collector itself (clusters are offline: no CDN): its
 * own CSS and scripts from ./assets, and uPlot's dist files straight from node_modules (resolved
 * through the package, never copied by hand). Read once at start-up. Pages link each file as
 * `…?v=<hash>`; that URL is cached for a year (immutable), any other gets `no-cache` + ETag.
 */
interface Asset {
  body: Uint8Array;
  contentType: string;
  hash: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function load(path: string): Asset {
  const body = readFileSync(path);
  const ext = path.slice(path.lastIndexOf('.'));
  return {
    body,
    contentType: TYPES[ext] ?? 'application/octet-stream',
    hash: createHash('sha256').update(body).digest('hex').slice(0, 16),
  };
}

const OWN_ASSETS = ['console.css', 'console.js', 'fleet.js', 'node.js'] as const;
const UPLOT_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const;

export interface ConsoleAssets {
  /** The URL a page links for an asset path such as `/console/assets/fleet.js`. */
  url(path: string): string;
  routes: Hono;
}

export function loadConsoleAssets(): ConsoleAssets {
  const files = new Map<string, Asset>();
  const here = import.meta.dirname;
  for (const name of OWN_ASSETS) {
    files.set(`/console/assets/${name}`, load(join(here, 'assets', name)));
  }
  const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot'));
  for (const name of UPLOT_FILES) {
    files.set(`/console/vendor/${name}`, load(join(uplotDist, name)));
  }

  const routes = new Hono();
  routes.get('/console/:dir{assets|vendor}/:name', (c) => {
    const asset = files.get(c.req.path);
    if (asset === undefined) {
      return c.text('no such file', 404);
    }
    const etag = `"${asset.hash}"`;
    const versioned = c.req.query('v') === asset.hash;
    const headers = {
      'Content-Type': asset.contentType,
      'Cache-Control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
    };
    if (c.req.header('if-none-match') === etag) {
      return c.body(null, 304, headers);
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return {
    url(path) {
      const asset = files.get(path);
      if (asset === undefined) {
        throw new Error(`no console asset ${path}`);
      }
      return `${path}?v=${asset.hash}`;
    },
    routes,
  };
}
