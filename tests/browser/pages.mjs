// The review pages in Debian's Chromium, headless, over the DevTools protocol.
//
//   node pages.mjs FIXTURE.json
//
// Run by tests/api/browser.rs, which builds the world through the API and writes the
// fixture: the service's address, who signs in, and the case, item and request they
// should find. Every step asserts what the page shows; axe-core runs in every page
// and any serious or critical violation fails the run; every page is photographed at
// desktop and phone widths. Exits non-zero on the first failure.

import { createServer } from "node:http";
import { DESKTOP, axe as axeOn, check, follow as followOn, fx, launch, photograph as photographOn, showing } from "./harness.mjs";

const browser = await launch();

// A cross-site page, served from another site (localhost is not 127.0.0.1), holding a
// form that posts to the service with a stolen CSRF token.
let forged = "";
const attacker = createServer((_, res) => {
  res.writeHead(200, { "content-type": "text/html" });
  res.end(forged);
});
await new Promise((ok) => attacker.listen(0, "localhost", ok));
const attackerBase = `http://localhost:${attacker.address().port}`;

const problems = [];
try {
  const context = await browser.newContext({ viewport: DESKTOP, locale: "en-GB" });
  const page = await context.newPage();
  showing(page);
  // The strict CSP must cost the pages nothing: a refused load is a failure.
  // (A page answered 404 or 401 on purpose is not a problem; anything it fails to
  // load, or any policy refusal, is.)
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.request().resourceType() !== "document" && r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    // A page left before its icon came cancels the icon's fetch: the browser's doing,
    // not a load that failed. Any other failure of it, or of anything else, counts.
    const iconLeftBehind = r.url().endsWith("/app/assets/favicon.svg") && r.failure()?.errorText === "net::ERR_ABORTED";
    if (!iconLeftBehind) problems.push(`failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

  const follow = (locator) => followOn(page, locator);
  const axe = (name) => axeOn(page, name);
  const photograph = (name) => photographOn(page, name);

  async function signIn(username) {
    const res = await page.goto(`${fx.base}/app/`);
    await check(res.ok(), "the pages answer");
    await check(new URL(page.url()).pathname === "/app/login", `signed out, /app/ leads to the sign-in page`);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(fx.password);
    await follow(page.getByRole("button", { name: "Sign in" }));
  }

  async function signOut() {
    await follow(page.getByRole("button", { name: "Sign out" }));
    await check(new URL(page.url()).pathname === "/app/login", "signing out leads back to the sign-in page");
    const res = await page.goto(`${fx.base}/app/cases/${fx.case.id}`);
    await check(new URL(page.url()).pathname === "/app/login" || res.status() === 404, "after sign-out the case is out of reach");
  }

  // Sign-in, by keyboard: the skip link comes first.
  await page.goto(`${fx.base}/app/login`);
  await axe("sign-in");
  await photograph("sign-in");
  await page.keyboard.press("Tab");
  await check(
    (await page.evaluate(() => document.activeElement.textContent)) === "Skip to the content",
    "the first Tab reaches the skip link",
  );
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  await check(
    (await page.evaluate(() => document.activeElement.id)) === "username",
    "and skipping lands on the form: the next Tab is the username",
  );
  await page.getByLabel("Username").fill(fx.prosecutor.username);
  await page.getByLabel("Password").fill("not the password");
  await follow(page.getByRole("button", { name: "Sign in" }));
  await check(await page.getByRole("alert").isVisible(), "a wrong password is told, in an alert");

  await signIn(fx.prosecutor.username);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "caseledger");
  await check(session && session.httpOnly && session.sameSite === "Strict", "the session cookie is HttpOnly and SameSite=Strict");
  await check(
    !(await page.evaluate(() => document.cookie)).includes("caseledger="),
    "the page's own script cannot read the session cookie",
  );

  // The desk.
  await check(await page.getByRole("heading", { level: 1, name: "My desk" }).isVisible(), "signed in, the desk opens");
  await check(
    await page.getByText(`Signed in as ${fx.prosecutor.name}`).isVisible(),
    "the header names who is signed in",
  );
  const referred = page.locator("table[aria-labelledby=referred]");
  await check(await referred.getByRole("link", { name: fx.case.reference }).isVisible(), "the referred case is on the desk");
  await check(await referred.getByText(fx.case.title).isVisible(), "with its title");
  const awaiting = page.locator("table[aria-labelledby=awaiting]");
  await check(await awaiting.getByRole("link", { name: fx.request.reference }).isVisible(), "the request awaits approval");
  const deadlines = page.locator("table[aria-labelledby=deadlines]");
  await check(await deadlines.getByText(fx.request.reference).first().isVisible(), "its wanted-by date is among the deadlines");
  await axe("desk");
  await photograph("desk");

  // The case, reached from the desk.
  await follow(referred.getByRole("link", { name: fx.case.reference }));
  await check(new URL(page.url()).pathname === `/app/cases/${fx.case.id}`, "the desk links to the case");
  await check(
    await page.getByRole("heading", { level: 1 }).filter({ hasText: fx.case.title }).isVisible(),
    "the case page is headed with its title",
  );
  const items = page.locator("table[aria-labelledby=evidence]");
  await check(await items.getByRole("link", { name: fx.item.label }).isVisible(), "the case lists its item");
  await check(await items.getByText("No alert", { exact: true }).isVisible(), "with the alert its record holds (none)");
  await check(
    await page.locator("table[aria-labelledby=history]").getByText("file complete for charging advice").isVisible(),
    "the status history says why the case was referred",
  );
  await axe("case");
  await photograph("case");

  // The item, reached from the case.
  await follow(items.getByRole("link", { name: fx.item.label }));
  await check(new URL(page.url()).pathname === `/app/evidence/${fx.item.id}`, "the case links to its item");
  const verdict = page.getByRole("heading", { level: 2, name: /^Verdict: / });
  await check((await verdict.textContent()) === "Verdict: VERIFIED", "the verdict, in words, is on the item page");
  const first = await page.evaluate(() => {
    const v = document.getElementById("verdict").getBoundingClientRect().top;
    const t = document.getElementById("timeline").getBoundingClientRect().top;
    return v < t;
  });
  await check(first, "the verdict comes before the timeline");
  const timeline = page.locator("ol.timeline > li");
  await check((await timeline.count()) === 2, "the timeline holds both custody entries");
  await check(await timeline.nth(0).getByText("Warrant 2026/117").isVisible(), "the first entry says under what authority");
  await check(await timeline.nth(1).getByText(fx.item.place).isVisible(), "the second says where");
  await check(
    /\(America\/Jamaica, UTC-05:00\) · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/.test(await timeline.nth(0).innerText()),
    "times are in the viewer's zone (Jamaica's, for a Jamaican prosecutor) with UTC",
  );
  await check(await page.getByText(fx.item.description).first().isVisible(), "the item's description is shown");
  const pdf = await context.request.get(`${fx.base}/app/evidence/${fx.item.id}/report.pdf`);
  await check(pdf.ok() && pdf.headers()["content-type"] === "application/pdf", "the report downloads as a PDF");
  await check((await pdf.body()).subarray(0, 5).toString() === "%PDF-", "which is one");
  await axe("evidence");
  await photograph("evidence");

  // The request: refused without the CSRF token and from another site, then approved.
  await page.goto(`${fx.base}/app/requests/${fx.request.id}`);
  await check(
    await page.getByRole("heading", { level: 1 }).filter({ hasText: fx.request.reference }).isVisible(),
    "the request page is headed with its reference",
  );
  await check(await page.getByRole("heading", { name: "Completeness check" }).isVisible(), "the prosecutor gets the completeness check");
  await check(
    await page.getByText("Everything its legal basis requires is filled in.").isVisible(),
    "which finds the request complete",
  );
  const approveUrl = `${fx.base}/app/requests/${fx.request.id}/approve`;
  const bare = await context.request.post(approveUrl, { form: {}, maxRedirects: 0 });
  await check(bare.status() === 403, `a post without the CSRF token is refused (${bare.status()})`);
  const token = await page.locator("form[action$='/approve'] input[name=csrf]").inputValue();
  forged = `<!doctype html><title>forged</title><form method="post" action="${approveUrl}">
    <input type="hidden" name="csrf" value="${token}"><button>Win a prize</button></form>`;
  const forgery = await context.newPage();
  await forgery.goto(`${attackerBase}/`);
  const [crossSite] = await Promise.all([
    forgery.waitForResponse((r) => r.url() === approveUrl),
    forgery.getByRole("button", { name: "Win a prize" }).click(),
  ]);
  await check(crossSite.status() === 403, `a cross-site post, even with the token, is refused (${crossSite.status()})`);
  await forgery.close();
  await page.reload();
  await check(await page.getByRole("button", { name: "Approve this request" }).isVisible(), "so the request still awaits approval");
  await axe("request");
  await follow(page.getByRole("button", { name: "Approve this request" }));
  await check(await page.getByRole("status").getByText("The request is approved.").isVisible(), "approving says so");
  await check(
    await page.locator("table[aria-labelledby=history]").getByText("Approved by the prosecutor", { exact: true }).isVisible(),
    "and the history holds the approval",
  );
  await check((await page.getByRole("button", { name: "Approve this request" }).count()) === 0, "it cannot be approved twice");
  await axe("approved request");
  await photograph("request");
  await signOut();

  // Others see nothing of it: the same not-found page as for what does not exist.
  const urls = [
    `/app/cases/${fx.case.id}`,
    `/app/evidence/${fx.item.id}`,
    `/app/evidence/${fx.item.id}/report.pdf`,
    `/app/evidence/${fx.item.id}/bundle.json`,
    `/app/requests/${fx.request.id}`,
    `/app/requests/00000000-0000-7000-8000-000000000000`,
    `/app/monitoring`,
    `/app/monitoring/turnaround.csv`,
  ];
  for (const outsider of fx.outsiders) {
    await signIn(outsider);
    await check(await page.getByRole("heading", { level: 1, name: "My desk" }).isVisible(), `${outsider} reaches the desk`);
    await check((await page.getByText(fx.case.reference).count()) === 0, `${outsider}'s desk does not show the case`);
    await check((await page.getByText(fx.request.reference).count()) === 0, `${outsider}'s desk does not show the request`);
    for (const url of urls) {
      const res = await page.goto(`${fx.base}${url}`);
      await check(res.status() === 404, `${outsider} gets 404 for ${url}`);
      await check(await page.getByRole("heading", { level: 1, name: "Not found" }).isVisible(), "the not-found page");
      const body = await page.locator("body").innerText();
      await check(
        !body.includes(fx.case.title) && !body.includes(fx.item.description) && !body.includes(fx.request.reference),
        "which tells nothing of the object",
      );
    }
    await axe("not-found");
    await page.goto(`${fx.base}/app/`);
    await signOut();
  }
  // Each role's desk: its parts, axe-clean at both widths, every row a link that
  // opens (the pages new to the role photographed too).
  for (const desk of fx.desks) {
    await signIn(desk.username);
    await check(await page.getByRole("heading", { level: 1, name: "My desk" }).isVisible(), `${desk.username} reaches the desk`);
    for (const part of desk.parts) {
      await check(await page.locator(`h2#${part}`).isVisible(), `the ${desk.role} desk shows its part ${part}`);
    }
    if (!desk.role.endsWith("-trail")) {
      await axe(`${desk.role} desk`);
      await photograph(`desk-${desk.role}`);
    }
    await follow(page.locator(`a[href="${desk.link}"]`).first());
    await check(new URL(page.url()).pathname === desk.link, `the desk leads the ${desk.role} to ${desk.link}`);
    await check(!(await page.getByRole("heading", { level: 1, name: "Not found" }).isVisible()), "which opens");
    if (desk.page) {
      await axe(desk.page);
      await photograph(desk.page);
    }
    await signOut();
  }

  // The monitoring page, for a monitor: reached from the desk.
  await signIn(fx.monitor);
  await follow(page.getByRole("link", { name: "Regional monitoring" }));
  await check(new URL(page.url()).pathname === "/app/monitoring", "the desk leads a monitor to the monitoring page");
  await check(await page.getByRole("heading", { level: 1, name: "Regional monitoring" }).isVisible(), "the monitoring page opens");
  const reviews = page.locator("table[aria-labelledby=reviews]");
  const jm = reviews.locator("tr", { has: page.locator("th", { hasText: /^Jamaica$/ }) });
  await check((await jm.innerText()).includes("JaCIRT"), "Jamaica's review names its CSIRT");
  await check((await jm.innerText()).includes("Met"), "and where it stands on the minimum standard");
  await check(
    await reviews.getByRole("columnheader", { name: "A designated 24/7 point of contact" }).isVisible(),
    "the checklist's items head the columns",
  );
  const matrix = page.locator("table.matrix").first();
  const cell = matrix.locator("tr", { has: page.locator("th", { hasText: /^Jamaica$/ }) }).locator("td").nth(1);
  await check(/^\d+\.\d days \(1\)$/.test(await cell.innerText()), "the turnaround from JM to TT is in the matrix, for a Jamaican monitor");
  await check((await page.locator(".chart svg").count()) === 2, "two charts, drawn by the server");
  await check((await page.locator("script").count()) === 0, "and no script on the page");
  const csv = await context.request.get(`${fx.base}/app/monitoring/turnaround.csv`);
  await check(csv.ok() && csv.headers()["content-type"].startsWith("text/csv"), "the turnaround table downloads as CSV");
  await check((await csv.text()).startsWith("requesting_country,requested_country,stage"), "with its header");
  await axe("monitoring");
  await photograph("monitoring");
  await signOut();

  await check(problems.length === 0, `no console error and no refused load under the CSP ${problems.join("; ")}`);
} finally {
  attacker.close();
  await browser.close();
}
