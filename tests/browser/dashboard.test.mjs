// The dashboard in a real browser: Debian's Chromium, headless, driven by
// playwright-core, against a real `pulsemon serve` on a loopback port with a
// simulated meter, a store filled by `pulsemon simulate`, and a sensor
// node's pulses posted to /api/ingest while the page watches.
//
//   PULSEMON_BINARY=build/plain/src/app/pulsemon node tests/browser/dashboard.test.mjs
//
// Screenshots of each view go to PULSEMON_ARTIFACTS (the build folder's
// browser-artifacts under CTest). Exits 77 (CTest: skipped) only when
// Chromium cannot start here.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, appendFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '../../web');
const require = createRequire(join(web, 'package.json'));
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const binary = process.env.PULSEMON_BINARY;
const artifacts = process.env.PULSEMON_ARTIFACTS || join(tmpdir(), 'pulsemon-browser-artifacts');
assert.ok(binary, 'set PULSEMON_BINARY to the pulsemon binary');
mkdirSync(artifacts, { recursive: true });

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.PULSEMON_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'], // CI runs as root, where Chromium's sandbox cannot start
  });
} catch (failure) {
  console.log(`SKIPPED: Chromium cannot start here (${failure.message.split('\n')[0]})`);
  process.exit(77);
}

const folder = mkdtempSync(join(tmpdir(), 'pulsemon-browser-'));
let config = join(folder, 'pulsemon.toml');
let daemon;
let base;
let adminPassword;
let deviceKey;
const viewerPassword = 'viewer-password-1';
const daemonOutput = [];

function pulsemon(args, input) {
  const run = spawnSync(binary, ['-c', config, ...args], { input, encoding: 'utf8' });
  assert.equal(run.status, 0, `pulsemon ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// PULSEMON_BROWSER_DATA: an existing data folder to serve instead of a new
// one (bench/dashboard uses a 10-year store; run only the timing test then).
const givenData = process.env.PULSEMON_BROWSER_DATA;

before(async () => {
  if (givenData) {
    rmSync(folder, { recursive: true, force: true });
    config = join(givenData, 'pulsemon.toml');
    adminPassword = process.env.PULSEMON_BROWSER_PASSWORD;
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await startDaemon();
    return;
  }
  const init = spawnSync(binary, ['init', '--dir', folder, '--with-simulator'], { encoding: 'utf8' });
  assert.equal(init.status, 0, init.stderr);
  adminPassword = init.stdout.match(/admin \/ (\S+)/)[1];
  // A household with summer time, and data around its spring-forward night
  // (Sunday 29 March 2026, 02:00 → 03:00 in Amsterdam).
  // …which pays in pounds: every cost on the page and in the CSVs is in them.
  const text = readFileSync(config, 'utf8').replace(/^zone = .*$/m, 'zone = "Europe/Amsterdam"')
    .replace(/^currency = .*$/m, 'currency = "GBP"');
  writeFileSync(config, text);
  pulsemon(['simulate', '--meter', '1', '--days', '3']);
  pulsemon(['simulate', '--meter', '1', '--days', '3', '--start', '2026-03-27']);
  pulsemon(['meter', 'add', '--id', '2', '--name', 'Hall', '--kind', 'electricity', '--ppu', '1000']);
  deviceKey = pulsemon(['key', 'add', '--meter', '2']).match(/pmk_\d+_[0-9a-f]{32}/)[0];
  pulsemon(['user', 'add', 'vera', '--role', 'viewer'], `${viewerPassword}\n`);
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await startDaemon();
});

let port;
async function startDaemon() {
  daemon = spawn(binary, ['-c', config, 'serve', '--listen', `127.0.0.1:${port}`]);
  daemon.stdout.on('data', (chunk) => daemonOutput.push(chunk.toString()));
  daemon.stderr.on('data', (chunk) => daemonOutput.push(chunk.toString()));
  for (let i = 0; i < 200; ++i) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the daemon did not start: ${daemonOutput.join('')}`);
}

async function restartDaemon() {
  const exited = new Promise((resolve) => daemon.once('exit', resolve));
  daemon.kill('SIGTERM');
  await exited;
  await startDaemon();
}

after(async () => {
  await browser.close();
  writeFileSync(join(artifacts, 'daemon.log'), daemonOutput.join('')); // what the daemon said, for a failure's reader
  if (daemon) daemon.kill('SIGTERM');
  rmSync(folder, { recursive: true, force: true });
});

let seq = 0;
// A sensor node's batch for meter 2: pulses `intervalsMs` apart, ending now.
async function postPulses(intervalsMs) {
  const now = Date.now() * 1000;
  const pulses = [];
  let t = now;
  for (const interval of [...intervalsMs].reverse()) {
    pulses.unshift(t);
    t -= interval * 1000;
  }
  pulses.unshift(t);
  const answer = await fetch(`${base}/api/ingest`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${deviceKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ node: 'hall-node', boot: 1, seq: ++seq, meter: 2, pulses }),
  });
  assert.equal(answer.status, 200, await answer.text());
}

// A page that records console errors and failed requests.
// The browser's own zone is not the household's (Amsterdam): what the page
// shows must follow the household's.
async function openPage(viewport, colorScheme = 'light') {
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads: true, timezoneId: 'America/New_York' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, problems, context };
}

async function signIn(page, user, password) {
  await page.goto(`${base}/`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

// Pixels of the chart's canvas that something was drawn on.
async function paintedPixels(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid=chart] canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ++painted;
    return painted;
  });
}

// Nothing wider than the screen: a phone scrolls down, never sideways.
async function assertFitsTheScreen(page, what) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth }));
  assert.ok(scrollWidth <= innerWidth, `${what}: the page is ${scrollWidth} px wide on a ${innerWidth} px screen`);
}

async function seriousAccessibilityViolations(page) {
  // Evaluated through the DevTools protocol: the page's own policy would
  // (rightly) refuse it as an inline script.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const report = await axe.run(document, { resultTypes: ['violations'] });
    return report.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  });
  return result;
}

for (const [name, viewport] of [
  ['phone', { width: 390, height: 844 }],
  ['desktop', { width: 1280, height: 900 }],
]) {
  test(`${name}: sign in, live power, charts, sign out`, async () => {
    const { page, problems, context } = await openPage(viewport);
    try {
      await page.goto(`${base}/`);
      await page.waitForSelector('#password');
      assert.deepEqual(await seriousAccessibilityViolations(page), [], 'sign-in page');
      await page.screenshot({ path: join(artifacts, `${name}-sign-in.png`) });

      await signIn(page, 'admin', 'wrong-password');
      await page.waitForFunction(() => document.querySelector('#sign-in-error').textContent.length > 0);
      const refused = await page.textContent('#sign-in-error');
      assert.match(refused, /password/i, 'a refused sign-in says why');
      // Chromium logs the refused login's 401 as a failed resource: expected here.
      assert.ok(problems.every((p) => /401/.test(p)), problems.join('\n'));
      problems.length = 0;

      await signIn(page, 'admin', adminPassword);
      await page.waitForSelector('[data-testid=power-2]');
      await page.waitForFunction(() => document.querySelector('[data-testid=connection]').textContent === 'live');
      await postPulses([1000, 1000]); // 3600 W on a 1000 imp/kWh meter
      await page.waitForFunction(() => /W/.test(document.querySelector('[data-testid=power-2]').textContent) &&
        !/^–/.test(document.querySelector('[data-testid=power-2]').textContent));
      const first = await page.textContent('[data-testid=power-2]');
      await postPulses([250]); // a pulse 0.25 s later: 14 400 W
      await page.waitForFunction((before) => document.querySelector('[data-testid=power-2]').textContent !== before, first);
      const second = await page.textContent('[data-testid=power-2]');
      assert.notEqual(second, first, 'the live figure moves with a pulse');
      assert.match(second, /kW|W/);
      await page.screenshot({ path: join(artifacts, `${name}-now.png`), fullPage: true });
      assert.deepEqual(await seriousAccessibilityViolations(page), [], 'now view');

      await page.click('a[href="#/charts"]');
      await page.waitForSelector('[data-testid=chart] canvas');
      await page.selectOption('#chart-view', 'day24');
      await page.waitForFunction(() => document.querySelector('#chart-title').textContent.includes('24 h'));
      assert.ok((await paintedPixels(page)) > 500, 'the 24-hour power chart has drawn');
      await page.screenshot({ path: join(artifacts, `${name}-power.png`), fullPage: true });
      await assertFitsTheScreen(page, 'charts');

      // The mouse wheel zooms in on the time axis.
      const span = async () => {
        const [min, max] = (await page.getAttribute('[data-testid=chart]', 'data-range')).split(',').map(Number);
        return max - min;
      };
      const wholeDay = await span();
      const over = await page.locator('[data-testid=chart] .u-over').boundingBox();
      await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
      await page.mouse.wheel(0, -200);
      await page.waitForFunction((before) => {
        const [min, max] = document.querySelector('[data-testid=chart]').dataset.range.split(',').map(Number);
        return max - min < before;
      }, wholeDay);
      assert.ok((await span()) < wholeDay * 0.9, 'the wheel zoomed in');

      // Energy by hour on the spring-forward day: 23 bars, the first at
      // midnight in Amsterdam (23:00 UTC the day before).
      await page.goto(`${base}/#/charts?meter=1&view=day&date=2026-03-29&compare=none`);
      await page.waitForFunction(() => document.querySelector('[data-testid=chart]')?.dataset.points === '23');
      assert.ok((await paintedPixels(page)) > 500, 'the day\'s bars have drawn');
      const [back, forward] = await Promise.all(['#chart-back', '#chart-forward'].map((b) => page.locator(b).boundingBox()));
      assert.equal(Math.round(back.y), Math.round(forward.y), '◀ and ▶ on one row');
      // Before the cursor touches it, the legend shows the last bar, not dashes.
      await page.waitForFunction(() => /23:00/.test(document.querySelector('[data-testid=chart] .u-legend .u-series:first-child .u-value').textContent));
      assert.doesNotMatch(await page.textContent('[data-testid=chart] .u-legend'), /--/);
      const box = await page.locator('[data-testid=chart] .u-over').boundingBox();
      await page.mouse.move(box.x + 3, box.y + box.height / 2);
      const firstBar = await page.textContent('[data-testid=chart] .u-legend .u-series:first-child .u-value');
      assert.match(firstBar, /00:00/, `the first bar is local midnight (${firstBar})`);
      assert.match(firstBar, /29/, firstBar);
      // The time axis reads the household's clock: midnight is labelled
      // 00:00 and the skipped hour 02:00 never appears.
      const labels = (await page.getAttribute('[data-testid=chart]', 'data-time-labels')).split('|');
      assert.ok(labels.every((label) => /^\d\d:\d\d$/.test(label)), labels.join(' '));
      assert.ok(labels.includes('00:00'), `midnight is on the axis: ${labels.join(' ')}`);
      assert.ok(!labels.includes('02:00'), `no 02:00 on the spring-forward day: ${labels.join(' ')}`);
      await page.screenshot({ path: join(artifacts, `${name}-day.png`), fullPage: true });

      // Compared with the day before, which had 24 hours.
      await page.selectOption('#chart-compare', 'previous');
      await page.waitForFunction(() => document.querySelector('[data-testid=chart]').dataset.series === '2');
      // Lined up by the clock: the 29th's bar at 11:00 meets the 28th's
      // 11:00, not the 28th's 10:00 (the bar at the same position).
      assert.match(await page.textContent('#chart-summary'), /28,? 2026: [\d.,]+ kWh \([+−][\d.,]+ kWh, [+−][\d.,]+ %\)/);
      const before = await page.evaluate(async () => {
        const { token } = JSON.parse(sessionStorage.getItem('pulsemon.session'));
        const answer = await fetch('/api/meters/1/energy?bucket=hour&from=2026-03-28&to=2026-03-29', { headers: { Authorization: `Bearer ${token}` } });
        return (await answer.json()).map((row) => row.value);
      });
      const compared = JSON.parse(await page.getAttribute('[data-testid=chart]', 'data-compared'));
      assert.equal(before.length, 24);
      assert.equal(compared.length, 23);
      assert.deepEqual(compared.slice(0, 2), before.slice(0, 2), '00:00 and 01:00 meet');
      assert.deepEqual(compared.slice(2), before.slice(3), 'from 03:00 on, each hour meets the same hour');
      // The same numbers as a table, for those who cannot see the chart.
      await page.click('[data-testid=chart-table] summary');
      const tableRows = await page.locator('[data-testid=chart-table] tbody tr').count();
      assert.equal(tableRows, 23, 'one row per bar');
      assert.deepEqual(await seriousAccessibilityViolations(page), [], 'charts, compared, with the table open');
      assert.match(await page.textContent('[data-testid=chart-table] thead'), /start.*energy kWh.*2026/);
      // By keyboard: ← and → read the bars, Home the first, Page Up the day before.
      await page.focus('[data-testid=chart]');
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft');
      assert.match(await page.textContent('[data-testid=chart-readout]'), /22:00.*: [\d.]+, .*: [\d.]+$/, 'the bar before the last, with the day compared');
      await page.keyboard.press('Home');
      assert.match(await page.textContent('[data-testid=chart-readout]'), /00:00/);
      await page.keyboard.press('PageUp');
      await page.waitForFunction(() => document.querySelector('[data-testid=chart]').dataset.points === '24');
      assert.match(await page.textContent('#chart-title'), /28/);

      // A week by day, compared with the week before by the day of the week.
      await page.goto(`${base}/#/charts?meter=1&view=week&date=2026-03-28&compare=previous`);
      await page.waitForFunction(() => /Week of/.test(document.querySelector('#chart-title')?.textContent ?? '') &&
        document.querySelector('[data-testid=chart]')?.dataset.points === '7');
      assert.match(await page.textContent('#chart-title'), /23/, 'the week of Monday 23 March');
      assert.match(await page.textContent('#chart-summary'), /Total [\d.,]+ kWh/);
      await page.goto(`${base}/#/charts?meter=1&view=day&date=2026-03-28&compare=none`);
      await page.waitForFunction(() => document.querySelector('[data-testid=chart]')?.dataset.points === '24');

      // The shown range as CSV.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#chart-export')]);
      const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
      assert.equal(csv.length, 25, 'a header and 24 hours');
      assert.match(csv[0], /^start,end,energy kWh,cost GBP$/, 'the cost column names the currency');
      // And every pulse of that day, from its local midnight (23:00 UTC).
      const [pulsesFile] = await Promise.all([page.waitForEvent('download'), page.click('#chart-pulses')]);
      const pulses = readFileSync(await pulsesFile.path(), 'utf8').trim().split('\n');
      assert.equal(pulses[0], 'time');
      assert.ok(pulses.length > 100, `${pulses.length} lines`);
      assert.match(pulses[1], /^2026-03-27T23:/);
      assert.match(pulses.at(-1), /^2026-03-28T22:/);
      await page.screenshot({ path: join(artifacts, `${name}-compare.png`), fullPage: true });

      await page.click('#sign-out');
      await page.waitForSelector('#password');
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the token is gone');
      assert.deepEqual(problems, [], 'no console errors');
    } finally {
      await context.close();
    }
  });
}

test('settings: a change is stored, a bad value shows the API\'s message beside its field', async () => {
  const { page, problems, context } = await openPage({ width: 1280, height: 900 });
  try {
    await signIn(page, 'admin', adminPassword);
    await page.waitForSelector('[data-testid=power-1]');
    await page.click('a[href="#/settings"]');
    await page.waitForSelector('#meter-2-name');
    // Household: the home, and the meters' names and tariffs; no filters here.
    assert.equal(await page.locator('#meter-2-min_interval_ms, #meter-2-technical-min_interval_ms').count(), 0,
      'bounce filters are not beside names and tariffs');
    assert.equal(await page.textContent('[data-testid=currency]'), 'GBP');
    await page.fill('#household-people', '3');
    await page.fill('#household-floor_area_m2', '85');
    await page.selectOption('#household-heating', 'heat_pump');
    await page.click('#household button[type=submit]');
    await page.waitForFunction(() => /^Saved/.test(document.querySelector('#household .done').textContent));
    await page.fill('#meter-2-name', 'Hall cupboard');
    await page.click('#meter-2 button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#meter-2 .done').textContent === 'Saved.');
    // Technical: the filters, and the units only an admin may change.
    await page.click('[data-testid=settings-technical]');
    await page.waitForSelector('#meter-2-technical-min_interval_ms');
    assert.equal(await page.locator('#meter-2-name').count(), 0);
    await page.fill('#meter-2-technical-min_interval_ms', '25');
    await page.click('#meter-2-technical button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#meter-2-technical .done').textContent === 'Saved.');
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pulsemon.session')).token);
    const meters = await (await fetch(`${base}/api/meters`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const hall = meters.find((m) => m.id === 2);
    assert.equal(hall.name, 'Hall cupboard');
    assert.equal(hall.min_interval_ms, 25);
    const home = await (await fetch(`${base}/api/household`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.deepEqual([home.people, home.floor_area_m2, home.heating], [3, 85, 'heat_pump']);
    await page.click('[data-testid=settings-household]');
    await page.waitForSelector('#meter-2-tariff');
    assert.equal(await page.inputValue('#household-people'), '3', 'what was said comes back');

    // A tariff with a time-of-use period, made in the form.
    await page.fill('#meter-2-tariff', '0.22');
    await page.fill('#meter-2-tariff-standing', '0.40');
    await page.click('#meter-2-tariff-add');
    await page.fill('#meter-2-tariff-p0-name', 'peak');
    await page.fill('#meter-2-tariff-p0-price', '0.35');
    await page.fill('#meter-2-tariff-p0-days', 'Mon-Fri');
    await page.fill('#meter-2-tariff-p0-from', '07:00');
    await page.fill('#meter-2-tariff-p0-to', '23:00');
    await page.click('#meter-2-tariff-add');
    await page.fill('#meter-2-tariff-p1-name', 'weekend');
    await page.fill('#meter-2-tariff-p1-price', '0.18');
    await page.fill('#meter-2-tariff-p1-days', 'Sat,Sun');
    await page.fill('#meter-2-tariff-p1-from', '00:00');
    await page.fill('#meter-2-tariff-p1-to', '00:00');
    await page.click('#meter-2 button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#meter-2 .done').textContent === 'Saved.');
    const tariffs = await (await fetch(`${base}/api/meters`, { headers: { Authorization: `Bearer ${token}` } })).json();
    assert.equal(tariffs.find((m) => m.id === 2).tariff, '0.22;standing=0.40;peak=0.35@Mon-Fri 07:00-23:00;weekend=0.18@Sat,Sun 00:00-24:00');
    await page.reload();
    await page.waitForSelector('#meter-2-tariff-p1-name');
    assert.equal(await page.inputValue('#meter-2-tariff-p0-name'), 'peak', 'the stored periods come back into the form');
    assert.equal(await page.inputValue('#meter-2-tariff-p1-to'), '00:00');
    assert.equal(await page.inputValue('#meter-2-tariff-standing'), '0.40');

    await page.fill('#meter-2-tariff', 'cheap please');
    await page.click('#meter-2 button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#meter-2-tariff-error').textContent.length > 0);
    assert.match(await page.textContent('#meter-2-tariff-error'), /^tariff: /);
    problems.length = 0; // Chromium logs the refused PUT's 400 as a failed resource

    await page.screenshot({ path: join(artifacts, 'desktop-settings-household.png'), fullPage: true });
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'settings, household');
    await page.click('[data-testid=settings-technical]');
    await page.waitForSelector('#key-add-name');
    await page.fill('#key-add-name', 'shed-node');
    await page.click('#key-add button[type=submit]');
    await page.waitForSelector('[data-testid=new-key]');
    assert.match(await page.textContent('[data-testid=new-key]'), /^pmk_\d+_[0-9a-f]{32}$/);
    await page.screenshot({ path: join(artifacts, 'desktop-settings.png'), fullPage: true });
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'settings');

    await page.click('a[href="#/health"]');
    await page.waitForSelector('[data-testid=version]');
    assert.match(await page.textContent('[data-testid=version]'), /^\d+\.\d+\.\d+/);
    await page.waitForSelector('[data-testid=nodes]');
    assert.match(await page.textContent('[data-testid=nodes]'), /hall-node/);
    // This daemon has no [backup] dir: Health says so and where to set it.
    assert.match(await page.textContent('[data-testid=backup]'), /none scheduled.*\[backup\] dir/);
    await page.screenshot({ path: join(artifacts, 'desktop-health.png'), fullPage: true });
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'health');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('phone: settings and health fit the screen and pass axe', async () => {
  const { page, problems, context } = await openPage({ width: 390, height: 844 });
  try {
    await signIn(page, 'admin', adminPassword);
    await page.waitForSelector('nav:not([hidden])');
    // Through two views without waiting for them: only the last one shows,
    // also once the first one's data has come (its answer is what could
    // draw it over the settings).
    const chartData = page.waitForResponse((response) => /\/api\/meters\/\d+\/(power|energy)/.test(response.url()));
    await page.evaluate(() => { location.hash = '#/charts'; });
    await page.evaluate(() => { location.hash = '#/settings'; });
    await page.waitForSelector('#meter-1-name');
    await (await chartData).finished();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    assert.equal(await page.locator('[data-testid=power-1], [data-testid=chart]').count(), 0, 'only the settings show');
    await assertFitsTheScreen(page, 'settings');
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'settings');
    await page.screenshot({ path: join(artifacts, 'phone-settings.png'), fullPage: true });
    await page.evaluate(() => { location.hash = '#/settings?part=technical'; });
    await page.waitForSelector('#meter-1-technical-min_interval_ms');
    await assertFitsTheScreen(page, 'technical settings');
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'technical settings');
    await page.screenshot({ path: join(artifacts, 'phone-settings-technical.png'), fullPage: true });
    await page.goto(`${base}/#/health`);
    await page.waitForSelector('[data-testid=version]');
    await assertFitsTheScreen(page, 'health');
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'health');
    await page.screenshot({ path: join(artifacts, 'phone-health.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the live figure comes back by itself after the daemon restarts', async () => {
  const { page, context } = await openPage({ width: 1280, height: 900 });
  try {
    await signIn(page, 'admin', adminPassword);
    await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent === 'live');
    await restartDaemon();
    await page.waitForFunction(() => document.querySelector('[data-testid=connection]').textContent === 'live', null, { timeout: 40000 });
    const before = await page.textContent('[data-testid=power-2]');
    await postPulses([2000, 100]);
    await page.waitForFunction((text) => document.querySelector('[data-testid=power-2]').textContent !== text, before);
  } finally {
    await context.close();
  }
});

test('with the daemon stopped, Now greys its figures at once, and every view comes back by itself', async () => {
  const { page, context } = await openPage({ width: 1280, height: 900 });
  try {
    await signIn(page, 'admin', adminPassword);
    await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent === 'live');
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
    const stoppedAt = Date.now();
    await page.waitForFunction(() => document.querySelector('[data-testid=meter-1]').classList.contains('stale'), null, { timeout: 5000 });
    assert.match(await page.textContent('[data-testid=connection]'), /^no connection to pulsemon since \d\d:\d\d/);
    assert.match(await page.textContent('[data-testid=meter-1] .state'), /^not updated since \d\d:\d\d$/);
    const frozen = await page.textContent('[data-testid=power-1]');
    await page.waitForTimeout(3000);
    assert.equal(await page.textContent('[data-testid=power-1]'), frozen, 'power does not fall while nothing is known');
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'Home with its figures greyed');

    // A view opened while the daemon is down says so, and draws itself
    // once the daemon is back, without a click.
    await page.evaluate(() => { location.hash = '#/health'; });
    const said = await page.waitForSelector('[data-testid=view-error]');
    assert.match(await said.textContent(), /pulsemon cannot be reached .* trying again in \d+ s/);
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'a view that could not be drawn');
    // Down for more than the 5 s a restart may take unremarked.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 6500 - (Date.now() - stoppedAt))));
    await startDaemon();
    await page.waitForSelector('[data-testid=too-close-1]', { timeout: 40000 });
    // Health tells the time pulsemon was down, and the day's power chart
    // shades it rather than drawing it as a house that used nothing.
    assert.match(await page.textContent('[data-testid=downtime]'), /\d\d:\d\d.* to .*: \d+ min/);
    await page.goto(`${base}/#/charts?meter=1&view=day24`);
    await page.waitForFunction(() => document.querySelector('[data-testid=chart]')?.dataset.downtimes === '1');
    assert.match(await page.textContent('#chart-summary'), /pulsemon was not running \d\d:\d\d–\d\d:\d\d \(\d+ min; shaded\)/);
    await page.evaluate(() => { location.hash = '#/now'; });
    await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent === 'live', null, { timeout: 40000 });
    assert.equal(await page.evaluate(() => document.querySelector('[data-testid=meter-1]').classList.contains('stale')), false);
  } finally {
    await context.close();
  }
});

// Opaque, nearly black pixels of the chart's canvas: labels or axes drawn
// in the light theme's colours, unreadable on the dark one's background.
async function darkPixels(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid=chart] canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200 && data[i] + data[i + 1] + data[i + 2] < 180) ++dark;
    return dark;
  });
}

for (const [name, viewport] of [
  ['desktop', { width: 1280, height: 900 }],
  ['phone', { width: 390, height: 844 }],
]) {
  test(`dark, ${name}: every view passes axe, and the charts are drawn in the dark theme's colours`, async () => {
    const { page, problems, context } = await openPage(viewport, 'dark');
    try {
      await page.goto(`${base}/`);
      await page.waitForSelector('#password');
      assert.deepEqual(await seriousAccessibilityViolations(page), [], 'sign-in page, dark');
      await signIn(page, 'admin', adminPassword);
      await page.waitForSelector('[data-testid=power-1]');
      assert.equal(await page.evaluate(() => document.activeElement.tagName + ' ' + document.activeElement.textContent), 'H1 Home',
        'after sign-in the focus is on the view\'s heading');
      assert.equal(await page.locator('h1').count(), 1, 'one h1 per view');
      assert.deepEqual(await seriousAccessibilityViolations(page), [], 'now view, dark');
      await page.goto(`${base}/#/charts?meter=1&view=day&date=2026-03-29&compare=previous`);
      await page.waitForFunction(() => document.querySelector('[data-testid=chart]')?.dataset.points === '23');
      assert.ok((await paintedPixels(page)) > 500, 'the chart has drawn');
      assert.equal(await darkPixels(page), 0, 'nothing drawn black on the dark background');
      await page.screenshot({ path: join(artifacts, `dark-${name}-charts.png`), fullPage: true });
      assert.deepEqual(await seriousAccessibilityViolations(page), [], 'charts, dark');
      // ▶ stops at today's period, which is marked as partial; a year
      // before the meter's first pulse has no data rather than zeros.
      await page.goto(`${base}/#/charts?meter=1&view=month&compare=none`);
      await page.waitForFunction(() => /\(so far\)$/.test(document.querySelector('#chart-title')?.textContent ?? ''));
      assert.equal(await page.isDisabled('#chart-forward'), true, '▶ at the current month');
      // By year: one label per year, not months.
      await page.goto(`${base}/#/charts?meter=1&view=all&compare=none`);
      await page.waitForFunction(() => document.querySelector('#chart-title')?.textContent.endsWith('by year'));
      await page.waitForFunction(() => document.querySelector('[data-testid=chart]')?.dataset.timeLabels);
      const years = (await page.getAttribute('[data-testid=chart]', 'data-time-labels')).split('|');
      assert.ok(years.length >= 1 && years.every((label) => /^\d{4}$/.test(label)), `by-year labels: ${years.join(' ')}`);
      await page.goto(`${base}/#/charts?meter=1&view=year&date=2020-06-01&compare=none`);
      await page.waitForFunction(() => document.querySelector('#chart-summary')?.textContent.startsWith('No data in this period'));
      assert.equal(await page.isDisabled('#chart-forward'), false);
      for (const view of ['health', 'settings', 'settings?part=technical']) {
        await page.evaluate((hash) => { location.hash = hash; }, `#/${view}`);
        await page.waitForSelector({ health: '[data-testid=too-close-1]', settings: '#household', 'settings?part=technical': '#meter-1-technical' }[view]);
        assert.deepEqual(await seriousAccessibilityViolations(page), [], `${view}, dark`);
      }
      await page.screenshot({ path: join(artifacts, `dark-${name}-settings.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('home: electricity summed, today against other days by the clock, the billing period with its forecast', async () => {
  const { page, problems, context } = await openPage({ width: 1280, height: 900 });
  try {
    await signIn(page, 'admin', adminPassword);
    await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.textContent === 'live');
    assert.equal(await page.textContent('h1'), 'Home');
    const number = (text) => Number(text.replace(/[^\d.]/g, ''));
    // The total is the sum of the electricity meters' figures.
    await page.waitForFunction(() => /W$/.test(document.querySelector('[data-testid=power-total]').textContent));
    const sum = await page.evaluate(() => {
      const watts = (text) => (/kW/.test(text) ? 1000 : 1) * Number(text.replace(/[^\d.]/g, ''));
      const figures = [...document.querySelectorAll('[data-testid^=power-]')].filter((e) => e.dataset.testid !== 'power-total');
      return { parts: figures.map((e) => watts(e.textContent)), total: watts(document.querySelector('[data-testid=power-total]').textContent) };
    });
    const parts = sum.parts.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum.total - parts) <= Math.max(2, parts * 0.05), `total ${sum.total} W, meters ${sum.parts.join(' + ')} W`);
    await page.waitForFunction(() => /kWh( · £[\d.,]+)? \([+−]\d+ %\)$/.test(document.querySelector('[data-testid=yesterday-by-now]').textContent));
    // Meter 2's tariff has a standing charge: today so far has a cost.
    assert.match(await page.textContent('[data-testid=today-total]'), /^[\d.,]+ kWh · £[\d.,]+$/);
    // The always-on load of the simulated nights; meter 2's tariff prices its share.
    await page.waitForFunction(() => /\d W$/.test(document.querySelector('[data-testid=base-load]').textContent));
    assert.match(await page.textContent('[data-testid=base-load-cost]'), /always-on devices use/);
    await page.waitForFunction(() => /kWh/.test(document.querySelector('[data-testid=period-forecast]').textContent));
    const soFar = number(await page.textContent('[data-testid=period-so-far]'));
    const forecast = number((await page.textContent('[data-testid=period-forecast]')).split(';')[0]);
    assert.ok(forecast >= soFar, `the forecast (${forecast}) is at least what was used so far (${soFar})`);
    // The alerts card answers (this household's simulated days hold nothing to tell).
    await page.waitForFunction(() => document.querySelector('[data-testid=alerts] li'));
    // Meter 2 has a tariff (the settings test gave it one): its cost is in pounds.
    await page.waitForFunction(() => /£/.test(document.querySelector('[data-testid=today-2]').textContent));
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'home');
    // (The README's picture is made by scripts/readme-screenshot, on 400 days of three meters.)
    await page.screenshot({ path: join(artifacts, 'desktop-home.png') });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Today starts again at the household\'s midnight', async () => {
  const { page, problems, context } = await openPage({ width: 1280, height: 900 });
  try {
    // 23:58 in Amsterdam on Saturday 28 March 2026, a day the store has
    // pulses for; the browser's own zone is New York's.
    await context.clock.install({ time: new Date('2026-03-28T22:58:00Z') });
    await signIn(page, 'admin', adminPassword);
    const today = () => page.evaluate(() => {
      const match = /^([\d.,]+) kWh/.exec(document.querySelector('[data-testid=today-total]')?.textContent ?? '');
      return match ? Number(match[1].replace(/,/g, '')) : null;
    });
    await page.waitForFunction(() => / kWh/.test(document.querySelector('[data-testid=today-total]')?.textContent ?? ''));
    const lateEvening = await today();
    assert.ok(lateEvening > 1, `by 23:58 the day had used ${lateEvening} kWh`);
    await page.clock.fastForward('03:00'); // 00:01, and the minute's reading
    await page.waitForFunction((before) => {
      const match = /^([\d.,]+) kWh/.exec(document.querySelector('[data-testid=today-total]').textContent);
      return match && Number(match[1].replace(/,/g, '')) < before / 10;
    }, lateEvening);
    // (The store holds the whole simulated 29th; Today counts its first hour.)
    assert.ok((await today()) < 0.5, `a minute into the new day: ${await today()} kWh`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('time to the first chart', async () => {
  // From the start of a page load (signed in) to the first chart drawn, for
  // the views a household opens most: docs/benchmarks.md has figures on a
  // 10-year store (about 100 ms, budget 300 ms). The test holds each to
  // 3 s, ten times the budget, for the sanitized daemon on a busy machine:
  // a view that hangs or waits on something it should not fails it.
  const { page, context } = await openPage({ width: 1280, height: 900 });
  const figures = {};
  try {
    await signIn(page, 'admin', adminPassword);
    await page.waitForSelector('[data-testid=connection]');
    // The periods of the meter's last pulse, which hold data in any store.
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pulsemon.session')).token);
    const meter = await (await fetch(`${base}/api/meters/1`, { headers: { Authorization: `Bearer ${token}` } })).json();
    const day = (meter.last_pulse || new Date().toISOString()).slice(0, 10);
    for (const view of ['hour', 'day', 'month', 'year', 'all']) {
      await page.goto(`${base}/#/charts?meter=1&view=${view}&date=${day}&compare=none`);
      const samples = [];
      for (let i = 0; i < 3; ++i) {
        await page.reload();
        await page.waitForFunction(() => window.pulsemonFirstChartMs !== undefined, null, { timeout: 30000 });
        samples.push(await page.evaluate(() => window.pulsemonFirstChartMs));
      }
      samples.sort((a, b) => a - b);
      figures[view] = Math.round(samples[1]); // the median of three loads
    }
    // Home, every figure shown: today against the other days, the billing
    // period and its forecast, the always-on load and the alerts.
    await page.goto(`${base}/#/home`);
    const samples = [];
    for (let i = 0; i < 3; ++i) {
      await page.reload();
      await page.waitForFunction(() => window.pulsemonHomeDrawnMs !== undefined, null, { timeout: 30000 });
      samples.push(await page.evaluate(() => window.pulsemonHomeDrawnMs));
    }
    samples.sort((a, b) => a - b);
    figures.home = Math.round(samples[1]);
  } finally {
    await context.close();
  }
  console.log(`first chart (and Home) drawn, ms after the page load began, median of 3: ${JSON.stringify(figures)}`);
  appendFileSync(join(artifacts, 'first-chart.json'), `${JSON.stringify(figures)}\n`);
  for (const [view, value] of Object.entries(figures)) {
    assert.ok(value > 0 && value < 3000, `the ${view} view was drawn after ${value} ms`);
  }
});

test('a viewer is offered no settings', async () => {
  const { page, problems, context } = await openPage({ width: 1280, height: 900 });
  try {
    await signIn(page, 'vera', viewerPassword);
    await page.waitForSelector('[data-testid=power-1]');
    assert.equal(await page.isVisible('a[href="#/settings"]'), false);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the page is served with a strict content security policy and caching', async () => {
  const page = await fetch(`${base}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
  assert.doesNotMatch(page.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const etag = page.headers.get('etag');
  const again = await fetch(`${base}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const html = await page.text();
  const script = html.match(/src="(\/assets\/app\.[0-9a-f]+\.js)"/)[1];
  const asset = await fetch(`${base}${script}`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type'), /javascript/);
  assert.match(asset.headers.get('cache-control'), /immutable/);
  const sizes = JSON.parse(readFileSync(process.env.PULSEMON_WEB_SIZES || '/dev/null', 'utf8') || '{}');
  if (sizes.first_load_gzip_bytes) {
    assert.ok(sizes.first_load_gzip_bytes < 100 * 1024, `first load ${sizes.first_load_gzip_bytes} B compressed`);
  }
  appendFileSync(join(artifacts, 'sizes.txt'), `${JSON.stringify(sizes)}\n`);
});

test('sites: a user in two households switches between them; an operator sees every site, never a profile', async () => {
  pulsemon(['site', 'add', 'Flat 2']);
  pulsemon(['meter', 'add', '--id', '3', '--name', 'Flat meter', '--kind', 'electricity', '--ppu', '1000', '--site', 'Flat 2']);
  pulsemon(['user', 'add', 'sam', '--role', 'viewer'], 'sam-password-1\n');
  pulsemon(['user', 'role', 'sam', 'viewer', '--site', 'Flat 2']);
  pulsemon(['user', 'add', 'olga', '--role', 'operator'], 'olga-password-1\n');
  const { page, problems, context } = await openPage({ width: 1280, height: 900 });
  try {
    await signIn(page, 'sam', 'sam-password-1');
    await page.waitForSelector('[data-testid=power-1]');
    const options = await page.$$eval('[data-testid=site-switch] option', (all) => all.map((o) => o.textContent));
    assert.deepEqual(options, ['home', 'Flat 2']);
    assert.equal(await page.isVisible('[data-testid=power-3]'), false, 'the other site\'s meter waits for the switch');
    await page.selectOption('[data-testid=site-switch]', { label: 'Flat 2' });
    await page.waitForSelector('[data-testid=power-3]');
    assert.equal(await page.isVisible('[data-testid=power-1]'), false);
    assert.equal(await page.isVisible('a[href="#/sites"]'), false, 'no Sites for a member');

    await page.click('#sign-out');
    await signIn(page, 'olga', 'olga-password-1');
    await page.waitForSelector('a[href="#/sites"]');
    await page.click('a[href="#/sites"]');
    await page.waitForSelector('[data-testid=site-meter-3]');
    assert.ok(await page.isVisible('[data-testid=site-meter-1]'));
    const text = await page.textContent('[data-testid=site-1]');
    assert.match(text, /data quality and billing periods only/);
    assert.equal(await page.isVisible('[data-testid=site-switch]'), false, 'an operator is no member');
    assert.deepEqual(await seriousAccessibilityViolations(page), []);
    // The operator's Home has no household's figures: no meter is shown.
    await page.goto(`${base}/#/home`);
    await page.waitForSelector('.view-title');
    assert.equal(await page.isVisible('[data-testid=power-1]'), false);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
