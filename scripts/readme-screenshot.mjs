// The README's picture of Home (scripts/readme-screenshot makes the store):
// node scripts/readme-screenshot.mjs PULSEMON CONFIG PASSWORD OUT.png
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

const [binary, config, password, out] = process.argv.slice(2);
const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const port = await new Promise((resolve) => {
  const server = createServer();
  server.listen(0, '127.0.0.1', () => { const { port: p } = server.address(); server.close(() => resolve(p)); });
});
const base = `http://127.0.0.1:${port}`;
const daemon = spawn(binary, ['-c', config, 'serve', '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
try {
  for (let i = 0; i < 100 && !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); ++i) await sleep(100);
  const login = await (await fetch(`${base}/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }),
  })).json();
  const answer = await fetch(`${base}/api/meters/2/calorific`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${login.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ mj_per_m3: 39.2, correction: 1.02264, from: '2020-01-01' }),
  });
  if (!answer.ok) throw new Error(`calorific value: ${answer.status} ${await answer.text()}`);
  await sleep(75000); // live pulses, so that power is known
  const browser = await chromium.launch({ executablePath: process.env.PULSEMON_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  await page.goto(`${base}/`);
  await page.fill('#username', 'admin');
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => window.pulsemonHomeDrawnMs !== undefined, null, { timeout: 30000 });
  await sleep(3000);
  await page.screenshot({ path: out });
  await browser.close();
} finally {
  daemon.kill('SIGTERM');
}
