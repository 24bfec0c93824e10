// Shared helpers of the browser tests: one chromium per test file, axe-core injected on demand.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const baseUrl = process.env.SOCLE_URL ?? "http://127.0.0.1:8080";
const screenshots = process.env.SCREENSHOTS;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** Opens `path` in a fresh French-speaking page; fails on any HTTP error or page error. */
export async function open(browser, path, { status = 200 } = {}) {
  const page = await browser.newPage({ locale: "fr-FR" });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const response = await page.goto(baseUrl + path);
  assert.equal(response.status(), status, `${path}: statut HTTP`);
  page.socleErrors = errors;
  return page;
}

/** The WCAG 2.1 A/AA violations axe-core rates serious or critical, as readable lines. */
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.addScriptTag({ content: axeSource });
  }
  const results = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }),
  );
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export async function assertAccessible(page, name) {
  assert.deepEqual(await seriousViolations(page), [], `${name}: violations axe sérieuses ou critiques`);
  assert.deepEqual(page.socleErrors, [], `${name}: erreurs JavaScript`);
}

export async function screenshot(page, name) {
  if (screenshots) await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}
