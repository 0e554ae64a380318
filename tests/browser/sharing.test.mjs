// Sharing in a real browser (Debian's Chromium, driven by playwright-core)
// between two real daemons on loopback: A, the friend, serves HTTPS with a
// certificate of a CA this test makes; B, the household, trusts that CA
// (sharing.friend_ca_file). A shares two meters with B; B adds the link and
// reads the comparison by day and per person; A revokes, and B's next
// refresh says so; an expiring link the same. A display link opens Home
// without a sign-in, reaches no setting or write route, and stops at once
// when revoked, its live stream included. The share page opens without a
// sign-in and says the same for a revoked link.
//
//   PULSEMON_BINARY=build/plain/src/app/pulsemon node tests/browser/sharing.test.mjs
//
// Exits 77 (CTest: skipped) only when Chromium cannot start here.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../web/package.json'));
const { chromium } = require('playwright-core');

const binary = process.env.PULSEMON_BINARY;
const artifacts = process.env.PULSEMON_ARTIFACTS || join(tmpdir(), 'pulsemon-browser-artifacts');
assert.ok(binary, 'set PULSEMON_BINARY to the pulsemon binary');
mkdirSync(artifacts, { recursive: true });

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.PULSEMON_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
} catch (failure) {
  console.log(`SKIPPED: Chromium cannot start here (${failure.message.split('\n')[0]})`);
  process.exit(77);
}

const folder = mkdtempSync(join(tmpdir(), 'pulsemon-sharing-'));
const output = [];

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A data folder with a simulated house and three days of its history.
function household(name, edit) {
  const dir = join(folder, name);
  const init = spawnSync(binary, ['init', '--dir', dir, '--with-simulator'], { encoding: 'utf8' });
  assert.equal(init.status, 0, init.stderr);
  const config = join(dir, 'pulsemon.toml');
  writeFileSync(config, edit(readFileSync(config, 'utf8').replace(/^zone = .*$/m, 'zone = "UTC"')));
  const run = (args) => {
    const done = spawnSync(binary, ['-c', config, ...args], { encoding: 'utf8' });
    assert.equal(done.status, 0, `${args.join(' ')}: ${done.stderr}`);
    return done.stdout;
  };
  run(['simulate', '--meter', '1', '--days', '3']);
  return { dir, config, run, password: init.stdout.match(/admin \/ (\S+)/)[1] };
}

async function serve(house, scheme) {
  house.port = await freePort();
  house.base = `${scheme}://${scheme === 'https' ? 'localhost' : '127.0.0.1'}:${house.port}`;
  house.daemon = spawn(binary, ['-c', house.config, 'serve', '--listen', `127.0.0.1:${house.port}`]);
  house.daemon.stdout.on('data', (chunk) => output.push(chunk.toString()));
  house.daemon.stderr.on('data', (chunk) => output.push(chunk.toString()));
  for (let i = 0; i < 200; ++i) {
    if (output.join('').includes(`:${house.port}/api/`)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the daemon did not start: ${output.join('')}`);
}

// The friend's HTTPS, checked by B against this certificate only.
const certificate = join(folder, 'friend.pem');
const key = join(folder, 'friend.key');
let friend;
let home;

// Calls of one daemon's API as its admin; A's over HTTPS, trusting the
// test's certificate only.
function request(house, method, path, body, headers = {}) {
  const secure = house.base.startsWith('https');
  const transport = secure ? https : http;
  return new Promise((resolve, reject) => {
    const sent = transport.request({
      host: '127.0.0.1', servername: 'localhost', port: house.port, method, path,
      headers: { 'Content-Type': 'application/json', ...headers },
      ...(secure ? { ca: readFileSync(certificate) } : {}),
    }, (answer) => {
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk) => { text += chunk; });
      answer.on('end', () => resolve({ status: answer.statusCode, text }));
    });
    sent.on('error', reject);
    sent.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function call(house, method, path, body) {
  if (!house.token) {
    const login = await request(house, 'POST', '/api/login', { username: 'admin', password: house.password });
    assert.equal(login.status, 200, login.text);
    house.token = JSON.parse(login.text).token;
  }
  const answer = await request(house, method, path, body, { Authorization: `Bearer ${house.token}` });
  assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.text ? JSON.parse(answer.text) : null;
}

before(async () => {
  const made = spawnSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', certificate, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  friend = household('friend', (text) => text
    .replace(/^# tls_cert_file = .*$/m, `tls_cert_file = "${certificate}"`)
    .replace(/^# tls_key_file = .*$/m, `tls_key_file = "${key}"`));
  home = household('home', (text) => text
    .replace(/^friend_ca_file = .*$/m, `friend_ca_file = "${certificate}"`)
    .replace(/^# friend_allow_private_addresses = false$/m, 'friend_allow_private_addresses = true'));
  await serve(friend, 'https');
  await serve(home, 'http');
});

after(async () => {
  await browser.close();
  writeFileSync(join(artifacts, 'sharing-daemons.log'), output.join(''));
  for (const house of [friend, home]) if (house && house.daemon) house.daemon.kill('SIGTERM');
  rmSync(folder, { recursive: true, force: true });
});

async function openPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: false });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems, context };
}

async function signIn(page, house) {
  await page.goto(`${house.base}/`);
  await page.fill('#username', 'admin');
  await page.fill('#password', house.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav:not([hidden])');
}

// The friend's state as B's Friends view shows it, once it is `state`.
async function friendState(page, id, state) {
  await page.waitForFunction(([friendId, wanted]) => {
    const shown = document.querySelector(`[data-testid=friend-${friendId}] [data-testid=friend-state]`);
    return shown && shown.textContent === wanted;
  }, [id, state], { timeout: 20000 });
}

test('B compares with A by day and per person; A revokes and B says so; an expiring link the same', async () => {
  // A's second meter, so that A shares two; B says how many live there.
  friend.run(['meter', 'add', '--id', '2', '--name', 'Heat pump', '--kind', 'electricity', '--ppu', '1000']);
  const link = await fetchA('POST', '/api/shares', { label: 'the Jansens', meters: [1, 2], window_days: 30, people: 4 });
  assert.match(link.path, /^\/share\/[0-9a-f]{48}$/);
  await fetchB('PUT', '/api/household', { people: 2 });

  const second = await openPage();
  try {
    await signIn(second.page, home);
    await second.page.click('a[href="#/friends"]');
    await second.page.fill('[data-testid=add-friend] input[name=label]', 'Jansens');
    await second.page.fill('[data-testid=add-friend] input[name=url]', `https://localhost:${friend.port}${link.path}`);
    await second.page.click('[data-testid=add-friend] button[type=submit]');
    // The click sends the form; its answer comes when it comes.
    await waitFor(async () => (await fetchB('GET', '/api/friends')).length > 0, 'B added the friend');
    const friends = await fetchB('GET', '/api/friends');
    assert.equal(friends.length, 1);
    const id = friends[0].id;
    // The refresher fetched it at once; the view shows it when drawn again.
    await waitFor(async () => (await fetchB('GET', '/api/friends'))[0].state === 'fine', 'B fetched A\'s share');
    await second.page.goto(`${home.base}/#/home`);
    await second.page.goto(`${home.base}/#/friends`);
    await friendState(second.page, id, 'up to date');
    await second.page.waitForSelector('[data-testid=compare-table]');
    const header = await second.page.$$eval('[data-testid=compare-table] thead th', (all) => all.map((th) => th.textContent));
    assert.deepEqual(header, ['Day', 'You', 'Jansens']);
    const rows = await second.page.$$eval('[data-testid=compare-table] tbody tr', (all) => all.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.ok(rows.length >= 2, `whole days of both households: ${JSON.stringify(rows)}`);
    for (const row of rows) {
      assert.match(row[0], /^\d{4}-\d\d-\d\d$/, 'one row per day');
      assert.ok(Number(row[1].replace(/[^\d.]/g, '')) > 0 && Number(row[2].replace(/[^\d.]/g, '')) > 0, JSON.stringify(row));
    }
    assert.match(await second.page.textContent('[data-testid=compare-summary]'), /You used \d+ % (less|more) than Jansens per household over \d+ days/);
    assert.match(await second.page.textContent('[data-testid=compare-rank]'), /You rank [12] of 2/);
    const perHousehold = rows[0].slice(1).map((cell) => Number(cell.replace(/,/g, '')));
    await second.page.selectOption('[data-testid=compare-measure]', 'person');
    await second.page.waitForSelector('[data-testid=compare-table] caption:text("kWh per person")');
    const perPerson = await second.page.$$eval('[data-testid=compare-table] tbody tr:first-child td', (all) => all.map((td) => Number(td.textContent.replace(/,/g, ''))));
    assert.ok(Math.abs(perPerson[0] - perHousehold[0] / 2) < 0.02, `you per person: ${perPerson[0]} of ${perHousehold[0]}`);
    assert.ok(Math.abs(perPerson[1] - perHousehold[1] / 4) < 0.02, `A per person: ${perPerson[1]} of ${perHousehold[1]}`);
    await second.page.screenshot({ path: join(artifacts, 'friends-compare.png'), fullPage: true });

    // A revokes: B's next refresh says so and drops the figures (docs/sharing.md).
    await fetchA('DELETE', `/api/shares/${link.id}`);
    await new Promise((resolve) => setTimeout(resolve, 5200)); // a refresh at most every 5 s
    await second.page.click(`[data-testid=friend-${id}] button:text("Refresh")`);
    await waitFor(async () => (await fetchB('GET', '/api/friends'))[0].state === 'revoked', 'B saw the revocation');
    await second.page.goto(`${home.base}/#/home`);
    await second.page.goto(`${home.base}/#/friends`);
    await friendState(second.page, id, 'revoked');
    assert.equal(await second.page.isVisible('[data-testid=compare-table]'), false, 'the revoked figures are gone');

    // An expiring link: fine until it expires, then "expired".
    const soon = new Date(Date.now() + 4000);
    const brief = await fetchA('POST', '/api/shares', { label: 'brief', meters: [1], expires: soon.toISOString().replace(/\.\d+Z$/, 'Z') });
    const added = await fetchB('POST', '/api/friends', { label: 'Brief', url: `https://localhost:${friend.port}${brief.path}` });
    await waitFor(async () => (await fetchB('GET', '/api/friends')).find((f) => f.id === added.id).state === 'fine', 'B fetched the brief share');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon - Date.now()) + 5200));
    await fetchB('POST', `/api/friends/${added.id}/refresh`);
    await waitFor(async () => (await fetchB('GET', '/api/friends')).find((f) => f.id === added.id).state === 'expired', 'B saw the expiry');
    await second.page.goto(`${home.base}/#/home`);
    await second.page.goto(`${home.base}/#/friends`);
    await friendState(second.page, added.id, 'expired');
    assert.deepEqual(second.problems, []);
  } finally {
    await second.context.close();
  }
});

test('a share page opens without a sign-in, and a revoked one says so', async () => {
  const link = await fetchB('POST', '/api/shares', { label: 'Our house', meters: [1], granularity: 'day', window_days: 7 });
  const { page, problems, context } = await openPage();
  try {
    await page.goto(`${home.base}${link.path}`);
    await page.waitForSelector('[data-testid=shared-meter-1]');
    assert.equal(await page.textContent('.view-title'), 'Our house');
    assert.equal(await page.isVisible('#nav'), false, 'no views, no settings');
    assert.equal(await page.isVisible('#username'), false, 'no sign-in');
    await fetchB('DELETE', `/api/shares/${link.id}`);
    const gone = await page.goto(`${home.base}${link.path}`);
    assert.equal(gone.status(), 404);
    const again = await request(home, 'GET', `/api/share/${link.path.split('/')[2]}`);
    assert.equal(again.status, 404);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a display link opens Home live without a sign-in, reaches nothing else, and stops when revoked', async () => {
  const link = await fetchB('POST', '/api/shares', { kind: 'display', label: 'Hall screen', meters: [1] });
  assert.match(link.path, /^\/display\/[0-9a-f]{48}$/);
  const { page, context } = await openPage();
  try {
    await page.goto(`${home.base}${link.path}`);
    await page.waitForSelector('[data-testid=power-1]').catch(async (failure) => {
      throw new Error(`${failure.message}: the page shows ${await page.textContent('main')}`);
    });
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=power-1]').textContent), null, { timeout: 15000 });
    assert.equal(await page.isVisible('#nav'), false, 'no Settings, no other view');
    // With the display's token, no write route and no setting opens.
    const token = `pmd_${link.path.split('/')[2]}`;
    const asDisplay = async (method, path, body) => (await request(home, method, path, body, { Authorization: `Bearer ${token}` })).status;
    assert.equal(await asDisplay('GET', '/api/meters/1'), 200);
    for (const [method, path, body] of [['PUT', '/api/meters/1', { name: 'x' }], ['GET', '/api/users'], ['GET', '/api/shares'],
      ['GET', '/api/friends'], ['GET', '/api/household'], ['POST', '/api/shares', { label: 'x', meters: [1] }], ['GET', '/api/sites'],
      ['GET', '/api/meters/1/pulses'], ['GET', '/metrics']]) {
      assert.ok([403, 404].includes(await asDisplay(method, path, body)), `${method} ${path}`);
    }
    // Revoked: an open stream ends at once and the page says so.
    const stream = await new Promise((resolve, reject) => {
      const opened = http.request({ host: '127.0.0.1', port: home.port, path: '/api/live', headers: { Authorization: `Bearer ${token}` } }, (answer) => {
        assert.equal(answer.statusCode, 200);
        const ended = new Promise((done) => { answer.on('end', done); answer.on('close', done); });
        answer.resume();
        resolve({ ended });
      });
      opened.on('error', reject);
      opened.end();
    });
    const revokedAt = Date.now();
    await fetchB('DELETE', `/api/shares/${link.id}`);
    await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the live stream outlived the revocation')), 3000))]);
    assert.ok(Date.now() - revokedAt < 3000);
    await page.waitForSelector('[data-testid=display-gone]', { timeout: 10000 });
    assert.equal(await asDisplay('GET', '/api/meters/1'), 401);
  } finally {
    await context.close();
  }
});

async function fetchA(method, path, body) {
  return call(friend, method, path, body);
}
async function fetchB(method, path, body) {
  return call(home, method, path, body);
}
async function waitFor(check, what) {
  for (let i = 0; i < 200; ++i) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out: ${what}`);
}
