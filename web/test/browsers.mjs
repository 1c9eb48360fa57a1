// Firefox and WebKit for the page's end-to-end tests, behind one small
// interface (goto, evaluate, waitFor, setFiles, screenshot, errors, close):
//
//   - Firefox ESR (Debian firefox-esr) through puppeteer-core over WebDriver
//     BiDi; never downloads a browser.
//   - WebKit: Debian's WebKitWebDriver driving the MiniBrowser of
//     libwebkit2gtk-4.1-0 under Xvfb (xvfb-run), through selenium-webdriver.
//     WebKitWebDriver speaks classic WebDriver only: no init script, no
//     console log. So the page is opened through a proxy (recorderProxy)
//     that puts web/test/recorder.js first in index.html.
//
// Every process started here is killed after each test file and on any exit.

import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './harness.mjs';

const require = createRequire(import.meta.url);

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const cleanups = [];
process.on('exit', () => {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort on the way out
    }
  }
});

const RECORDER = readFileSync(join(ROOT, 'web', 'test', 'recorder.js'));
const TAG = '<script src="/__test/recorder.js"></script>';

// recorderProxy forwards everything to origin unchanged, except the page
// itself, which gets the recorder as its first script (same origin, so the
// page's CSP allows it). paths lists every request path (and query) it saw.
export async function recorderProxy(origin) {
  const paths = [];
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0];
    paths.push(req.url);
    if (path === '/__test/recorder.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      res.end(RECORDER);
      return;
    }
    const page = path === '/' || path === '/index.html';
    const headers = { ...req.headers, host: new URL(origin).host };
    if (page) headers['accept-encoding'] = 'identity';
    const up = request(origin + req.url, { method: req.method, headers }, (r) => {
      if (!page || r.statusCode !== 200) {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
        return;
      }
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const html = Buffer.concat(chunks).toString('utf8').replace('<head>', `<head>${TAG}`);
        const h = { ...r.headers };
        delete h['content-length'];
        delete h.etag;
        h['cache-control'] = 'no-store';
        res.writeHead(200, h);
        res.end(html);
      });
    });
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const close = () => new Promise((r) => server.close(r));
  server.unref();
  cleanups.push(() => server.close());
  return { origin: `http://127.0.0.1:${server.address().port}`, paths, close };
}

// fnCall turns a function and its argument into a script for a driver.
const fnCall = (fn, arg) => `return (${fn})(${JSON.stringify(arg ?? null)});`;

// launchFirefox starts Firefox ESR headless with a fresh profile. prefs:
// extra about:config values (e.g. the fake camera).
export async function launchFirefox({ prefs = {}, viewport = { width: 1280, height: 900 } } = {}) {
  const puppeteer = require('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'resnet-firefox-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    defaultViewport: viewport,
    extraPrefsFirefox: { 'browser.shell.checkDefaultBrowser': false, 'datareporting.policy.dataSubmissionEnabled': false, ...prefs },
  });
  cleanups.push(() => browser.process()?.kill('SIGKILL'));
  const page = (await browser.pages())[0] || (await browser.newPage());
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return {
    name: 'firefox',
    version: await browser.version(),
    page,
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    setFiles: async (selector, files) => (await page.$(selector)).uploadFile(...files),
    setViewport: (width, height) => page.setViewport({ width, height }),
    screenshot: (path) => page.screenshot({ path, fullPage: false }),
    consoleErrors: () => consoleErrors,
    close: async () => {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// launchWebKit starts WebKitWebDriver under Xvfb and a MiniBrowser session.
// args: extra MiniBrowser options (WebKitSettings, e.g. mock cameras); env:
// extra environment for the driver and the browser it starts.
export async function launchWebKit({ args = [], env = {}, viewport = { width: 1280, height: 900 } } = {}) {
  const { Builder } = require('selenium-webdriver');
  const port = await freePort();
  // Its own process group, so that Xvfb, the driver and the browser all go.
  const proc = spawn('xvfb-run', ['-a', '-s', '-screen 0 1920x1200x24', WEBKIT_DRIVER, `--port=${port}`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const kill = () => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  cleanups.push(kill);
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || proc.exitCode !== null) throw new Error(`WebKitWebDriver did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const driver = await new Builder()
    .usingServer(base)
    .withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', ...args] },
    })
    .build();
  await driver.manage().setTimeouts({ script: 300000, pageLoad: 120000 });
  const setViewport = async (width, height) => {
    // The window's outer size includes no toolbar in automation mode;
    // correct for whatever the difference is.
    await driver.manage().window().setRect({ width, height });
    const inner = await driver.executeScript('return [innerWidth, innerHeight]');
    if (inner[0] !== width || inner[1] !== height) {
      await driver.manage().window().setRect({ width: 2 * width - inner[0], height: 2 * height - inner[1] });
    }
  };
  await setViewport(viewport.width, viewport.height);
  const version = await driver.executeScript('return navigator.userAgent');
  return {
    name: 'webkit',
    version,
    driver,
    goto: (url) => driver.get(url),
    evaluate: async (fn, arg) => {
      const r = await driver.executeAsyncScript(
        `const done = arguments[arguments.length - 1];
         Promise.resolve().then(() => { ${fnCall(fn, arg)} }).then((v) => done({ v }), (e) => done({ e: String(e && e.message || e) }));`,
      );
      if (r.e !== undefined) throw new Error(r.e);
      return r.v;
    },
    setFiles: async (selector, files) => {
      const { By } = require('selenium-webdriver');
      await (await driver.findElement(By.css(selector))).sendKeys(files.join('\n'));
    },
    setViewport,
    screenshot: async (path) => writeFileSync(path, Buffer.from(await driver.takeScreenshot(), 'base64')),
    consoleErrors: () => [], // none reachable: the recorder reports them
    close: async () => {
      await driver.quit().catch(() => {});
      kill();
    },
  };
}

// waitFor polls fn(arg) in the page until it returns something truthy.
export async function waitFor(b, fn, arg, { timeout = 120000, what = 'condition' } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await b.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`${b.name}: timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
