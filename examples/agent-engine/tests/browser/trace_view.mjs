// The trace view in a real headless Chromium (Debian's, driven by playwright-core): start the
// engine on an ephemeral port, send a two-tool message, open /traces, click the trace, check
// the waterfall (SERVER, invoke_agent, chat and two overlapping execute_tool bars with their
// names), click a span and see its attributes; post user feedback on the turn and see its cost
// and score in the list and on the waterfall; save a screenshot.
//
// Environment: ENGINE_BIN (the agent-engine binary, required), SCREENSHOT (PNG path, default
// trace-view.png), CHROMIUM (default /usr/bin/chromium). Exits non-zero with the reason on
// any failed check; always stops the engine and the browser.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.ENGINE_BIN;
if (!bin) throw new Error('ENGINE_BIN must name the agent-engine binary');
const screenshot = process.env.SCREENSHOT || 'trace-view.png';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

/** Starts `agent-engine serve` on 127.0.0.1:0 and resolves with its base URL. */
function startEngine() {
  // INFO: user feedback is recorded as an INFO event.
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUST_LOG: 'error' },
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`engine did not start: ${err}`)), 60000);
    child.stderr.on('data', (chunk) => {
      err += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`engine exited with ${code}: ${err}`)));
  });
}

async function postJson(url, body) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  check(r.ok, `POST ${url} answered ${r.status}`);
  return r.json();
}

const { child, base } = await startEngine();
const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
let browser;
try {
  const session = await postJson(`${base}/v1/sessions`, { agent: 'assistant' });
  const turn = await postJson(`${base}/v1/sessions/${session.id}/messages`, {
    content: 'what is 6 * 7 and what time is it?',
  });
  check(turn.tool_calls.length === 2, `two tool calls, got ${JSON.stringify(turn.tool_calls)}`);
  const traceId = turn.correlation_id;
  // The scripted model's price: $0.15 per million input tokens, $0.60 per million output.
  const wantCost = turn.usage.input_tokens * 0.15e-6 + turn.usage.output_tokens * 0.6e-6;
  check(typeof turn.usage.cost_usd === 'number' && Math.abs(turn.usage.cost_usd - wantCost) < 1e-12,
    `the turn's cost ${turn.usage.cost_usd}, expected ${wantCost}`);
  const fb = await postJson(`${base}/v1/feedback`, {
    correlation_id: traceId, name: 'user_feedback', score: 1, label: 'thumbs_up',
    explanation: 'Both answers were right',
  });
  check(fb.status === 'accepted' && /^[0-9a-f]{16}$/.test(fb.span_id), `feedback: ${JSON.stringify(fb)}`);
  const shownCost = (c) => {
    // The pages' format: four decimals from a cent up, else four significant digits.
    const digits = c >= 0.01 ? 4 : Math.floor(-Math.log10(c)) + 3;
    return '$' + c.toFixed(digits).replace(/0+$/, '');
  };

  // A persistent context on a fresh profile directory: Chromium's --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 560 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  const external = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(base)) external.push(req.url());
  });

  await page.goto(`${base}/traces`);
  const row = page.locator(`tr.trace[data-trace-id="${traceId}"]`);
  await row.waitFor();
  check((await row.innerText()).includes('POST /v1/sessions/{id}/messages'), 'the turn is listed');
  const listedCost = (await row.locator('td.cost').innerText()).trim();
  check(listedCost === shownCost(turn.usage.cost_usd),
    `the list shows the turn's cost ${shownCost(turn.usage.cost_usd)}, got ${listedCost}`);
  check((await row.locator('td.scores').innerText()).trim() === '1', 'the list counts one score');
  await row.locator('a.trace-link').click();
  await page.waitForURL(`**/traces/${traceId}`);
  await page.locator('#wf .row').first().waitFor();

  const rows = await page.$$eval('#wf .row', (els) =>
    els.map((el) => {
      const bar = el.querySelector('.bar').getBoundingClientRect();
      return {
        name: el.dataset.name,
        kind: el.dataset.kind,
        label: el.querySelector('.label').innerText,
        left: bar.left,
        right: bar.right,
      };
    }),
  );
  const named = (prefix) => rows.filter((r) => r.name.startsWith(prefix));
  check(rows[0].kind === 'SERVER' && rows[0].name === 'POST /v1/sessions/{id}/messages',
    `the SERVER root first: ${JSON.stringify(rows[0])}`);
  check(rows[0].label.includes('SERVER'), 'the root is labelled SERVER');
  check(named('invoke_agent').length === 1, 'one invoke_agent bar');
  check(named('chat').length === 2, 'two chat bars');
  const tools = named('execute_tool');
  check(tools.length === 2, `two execute_tool bars: ${JSON.stringify(rows)}`);
  const toolNames = tools.map((t) => t.name).sort();
  check(toolNames[0] === 'execute_tool calculator' && toolNames[1] === 'execute_tool clock',
    `the tools' names: ${toolNames}`);
  check(tools.every((t) => t.label.includes('tool ')), 'tool names at a glance');
  check(named('chat').every((c) => c.label.includes('scripted-1') && c.label.includes('tok')),
    'model and tokens at a glance');
  const [a, b] = tools;
  check(a.left < b.right && b.left < a.right,
    `the execute_tool bars overlap: ${JSON.stringify(tools)}`);

  check((await page.locator('#trace-cost').innerText()) === shownCost(turn.usage.cost_usd),
    'the trace summary shows the cost');
  const agentRow = page.locator('#wf .row[data-name^="invoke_agent"]');
  check((await agentRow.locator('.label').innerText()).includes(shownCost(turn.usage.cost_usd)),
    'the turn\'s cost at a glance on invoke_agent');
  const badge = await agentRow.locator('.score').innerText();
  check(badge.includes('user_feedback') && badge.includes('1') && badge.includes('thumbs_up'),
    `the score on invoke_agent: ${badge}`);
  await agentRow.click();
  const evaluations = await page.locator('#detail #evaluations').innerText();
  check(evaluations.includes('user_feedback') && evaluations.includes('thumbs_up')
    && evaluations.includes('Both answers were right'), `the evaluation in the detail: ${evaluations}`);

  // Click a span: its attributes appear.
  await page.locator('#wf .row[data-name="execute_tool calculator"]').click();
  const detail = page.locator('#detail');
  await detail.waitFor({ state: 'visible' });
  const text = await detail.innerText();
  check(text.includes('gen_ai.tool.name') && text.includes('calculator'),
    `the span's attributes: ${text}`);
  check(text.includes('gen_ai.operation.name') && text.includes('execute_tool'), 'its operation');
  check(external.length === 0, `requests outside the engine: ${external}`);

  await page.screenshot({ path: screenshotPath(), fullPage: true });

  // A 500-span trace: the page's own script renders this turn's spans repeated 500 times
  // (reported, not timed pass/fail: the machine is shared).
  const ms = await page.evaluate(() => {
    const el = document.getElementById('trace-data');
    const data = JSON.parse(el.textContent);
    const base = data.spans;
    data.spans = Array.from({ length: 500 }, (_, i) => ({
      ...base[i % base.length],
      span_id: (i + 1).toString(16).padStart(16, '0'),
      depth: i % 6,
      start_offset_s: (data.duration_s * i) / 500,
      duration_s: data.duration_s / 50,
    }));
    el.textContent = JSON.stringify(data);
    const code = document.querySelector('script:not([type])').textContent;
    const t0 = performance.now();
    new Function(code)();
    document.getElementById('wf').getBoundingClientRect();
    return performance.now() - t0;
  });
  const many = await page.locator('#wf .row').count();
  check(many === 500, `500 rows rendered, got ${many}`);
  console.log(`500-span waterfall rendered and laid out in ${ms.toFixed(1)} ms`);
  console.log(`trace view checks passed; screenshot at ${screenshotPath()}`);
} finally {
  if (browser) await browser.close();
  child.kill('SIGTERM');
  rmSync(profile, { recursive: true, force: true });
}

function screenshotPath() {
  return screenshot;
}
