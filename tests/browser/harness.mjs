// What the browser runs share: the fixture the Rust side wrote (its path is the
// run's one argument), Debian's Chromium launched headless, checks that print what
// they found (and the page's text when they fail), axe-core, and photographs at
// desktop and phone widths.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const fx = JSON.parse(readFileSync(process.argv[2], "utf8"));
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

let shown = null; // the page whose text a failure prints

/// The page a failed check shows.
export function showing(page) {
  shown = page;
}

export async function check(cond, what) {
  if (!cond) {
    const where = shown ? `\n  at ${shown.url()}:\n${await shown.locator("body").innerText().catch(() => "")}` : "";
    throw new Error(`not so: ${what}${where}`);
  }
  console.log(`ok - ${what}`);
}

export function launch() {
  return chromium.launch({
    executablePath: fx.chromium,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/// Collects into `problems` what a strict policy must never cost a page: a refused
/// load, a script error.
export function watch(page, problems) {
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
}

/// Clicks what submits a form or follows a link, and waits for the page it leads to.
export async function follow(page, locator) {
  await Promise.all([page.waitForEvent("framenavigated", (f) => f === page.mainFrame()), locator.click()]);
  await page.waitForLoadState();
}

export async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const described = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  await check(bad.length === 0, `axe-core finds no serious or critical violation on the ${name} page ${described.join("; ")}`);
}

export async function photograph(page, name) {
  await page.screenshot({ path: join(fx.screenshots, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await check(overflow <= 1, `the ${name} page fits a phone's width (overflow ${overflow}px)`);
  await page.screenshot({ path: join(fx.screenshots, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}
