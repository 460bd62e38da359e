// The review pages in French and Dutch, in Debian's Chromium, headless.
//
//   node languages.mjs FIXTURE.json
//
// Run by tests/api/browser.rs on the world the pages' run builds. A browser whose
// language is French (then Dutch) signs in: the desk, case, evidence, request and
// monitoring pages are in that language (`lang`, `Content-Language`, their words),
// axe-core clean, photographed at both widths; then the person chooses the other
// language in the header, which holds whatever the browser says.

import { DESKTOP, axe as axeOn, check, follow as followOn, fx, launch, photograph as photographOn, showing } from "./harness.mjs";

const browser = await launch();
const WORDS = {
  fr: { signIn: "Se connecter", signOut: "Se déconnecter", desk: "Mon bureau", case: "Ouverte", evidence: "Chronologie de la chaîne de possession", request: "Demande d'entraide judiciaire", monitoring: "Suivi régional", change: "Changer de langue" },
  nl: { signIn: "Inloggen", signOut: "Uitloggen", desk: "Mijn bureau", case: "Open", evidence: "Tijdlijn van de bewaarketen", request: "Verzoek om wederzijdse rechtshulp", monitoring: "Regionale monitoring", change: "Taal wijzigen" },
};
const problems = [];
try {
  for (const [lang, locale, other] of [["fr", "fr-HT", "nl"], ["nl", "nl-SR", "fr"]]) {
    const w = WORDS[lang];
    const context = await browser.newContext({ viewport: DESKTOP, locale });
    const page = await context.newPage();
    showing(page);
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    const follow = (locator) => followOn(page, locator);
    const axe = (name) => axeOn(page, `${name} (${lang})`);
    const photograph = (name) => photographOn(page, `${name}-${lang}`);
    const inLanguage = async (what, expected = lang) => {
      await check((await page.locator("html").getAttribute("lang")) === expected, `the ${what} page says it is in ${expected}`);
    };
    const visit = async (path, name, words) => {
      const res = await page.goto(`${fx.base}${path}`);
      await check(res.ok(), `the ${name} page answers`);
      await check(res.headers()["content-language"] === lang, `its Content-Language is ${lang}`);
      await inLanguage(name);
      await check((await page.locator("body").innerText()).includes(words), `the ${name} page reads "${words}"`);
      await axe(name);
      await photograph(name);
    };
    const signIn = async (username) => {
      await page.goto(`${fx.base}/app/login`);
      await inLanguage("sign-in");
      await page.locator("#username").fill(username);
      await page.locator("#password").fill(fx.password);
      await follow(page.getByRole("button", { name: w.signIn }));
    };

    await signIn("jm.detective");
    await visit("/app/", "desk", w.desk);
    await visit(`/app/cases/${fx.case.id}`, "case", w.case);
    await check((await page.locator("body").innerText()).includes(fx.case.title), "what was typed is shown as typed");
    await visit(`/app/evidence/${fx.item.id}`, "evidence", w.evidence);
    await visit(`/app/requests/${fx.request.id}`, "request", w.request);
    // The person chooses the other language: it holds whatever the browser says.
    await page.locator("#page-language").selectOption(other);
    await follow(page.getByRole("button", { name: w.change }));
    await check(new URL(page.url()).pathname === `/app/requests/${fx.request.id}`, "back on the page it was chosen on");
    await inLanguage("request, after choosing", other);
    await page.goto(`${fx.base}/app/`);
    await inLanguage("desk, after choosing", other);
    await axe("desk in the language chosen");
    // Back to the browser's.
    await page.locator("#page-language").selectOption("");
    await follow(page.getByRole("button", { name: WORDS[other].change }));
    await inLanguage("desk, the browser's language again");
    await follow(page.getByRole("button", { name: w.signOut }));

    await signIn(fx.monitor);
    await visit("/app/monitoring", "monitoring", w.monitoring);
    await check((await page.locator(".chart svg").count()) === 2, "its charts");
    await follow(page.getByRole("button", { name: w.signOut }));
    await context.close();
  }
  await check(problems.length === 0, `no console error and no refused load under the CSP ${problems.join("; ")}`);
} finally {
  await browser.close();
}
