// Page weight: every /pkg/ file a worker page loads (named in its HTML or
// imported by those scripts),
// its size as built, brotli-compressed at the highest quality (what a
// browser downloads when the file is served precompressed), and what the
// console actually sent when asked with `Accept-Encoding: br`.
//
//   node end2end/bench/weight.mjs http://127.0.0.1:3321/namespaces/... target/site
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, constants } from 'node:zlib';

/** The bytes on the wire, undecoded, and how they were encoded. */
function download(url, headers) {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve({ body: Buffer.concat(chunks), encoding: res.headers['content-encoding'] ?? 'identity' })
          : reject(new Error(`${url}: HTTP ${res.statusCode}`)),
      );
    }).on('error', reject);
  });
}
const decode = { identity: (b) => b, br: brotliDecompressSync, gzip: gunzipSync };

const [pageUrl, siteRoot] = process.argv.slice(2);
if (!pageUrl || !siteRoot) {
  console.error('usage: weight.mjs PAGE_URL SITE_ROOT');
  process.exit(2);
}
const page = await fetch(pageUrl);
if (!page.ok) throw new Error(`${pageUrl}: HTTP ${page.status}`);
const html = await page.text();
// The files the page names, and the scripts those import in turn (with
// `--split`, the module that loads split-off wasm chunks on demand; the
// chunks themselves are fetched only by the pages that call into them).
const paths = [...new Set([...html.matchAll(/\/pkg\/[A-Za-z0-9_.\-]+/g)].map((m) => m[0]))].sort();
if (!paths.some((p) => p.endsWith('.wasm'))) throw new Error('the page names no wasm file');
const files = [];
for (let i = 0; i < paths.length; i++) {
  const path = paths[i];
  const raw = readFileSync(`${siteRoot}${path}`);
  if (path.endsWith('.js')) {
    // Static (`from "./x.js"`) and dynamic (`import("./x.js")`) imports.
    for (const m of raw.toString('utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']\.\/([A-Za-z0-9_.\-]+\.js)["']/g)) {
      const imported = `/pkg/${m[1]}`;
      if (!paths.includes(imported)) paths.push(imported);
    }
  }
  const brotli = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  }).length;
  const { body, encoding } = await download(new URL(path, pageUrl), { 'Accept-Encoding': 'br' });
  if (!decode[encoding]) throw new Error(`${path}: unexpected encoding ${encoding}`);
  if (!decode[encoding](body).equals(raw)) throw new Error(`${path}: the console served something else than ${siteRoot}${path}`);
  const sent = body.length;
  files.push({ path, raw: raw.length, brotli, encoding, sent });
}
console.log(JSON.stringify({ page: pageUrl, html: html.length, files }, null, 2));
