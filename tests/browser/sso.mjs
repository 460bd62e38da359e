// Sign-in through a national identity provider, in Debian's Chromium, headless.
//
//   node sso.mjs FIXTURE.json
//
// Run by tests/api/sso.rs against a service that offers one provider (a real
// OpenID provider started by the test). Ana signs in at the provider with a
// one-time code (its ID token says so): she reaches her desk at once. She signs in
// again with her password alone: the service, whose policy asks every person for a
// second factor, leads her to enrol one of its own. Ben's groups give him no role:
// he is told the sign-in did not succeed. axe-core runs on the sign-in page that
// offers the provider.

import { join } from "node:path";
import { axe, check, fx, launch, showing, watch } from "./harness.mjs";

const browser = await launch();
const problems = [];
try {
  async function person(login, otp, lands) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await context.newPage();
    showing(page);
    watch(page, problems);
    await page.goto(`${fx.base}/app/login`);
    const link = page.getByRole("link", { name: `Sign in with ${fx.provider}` });
    await check(await link.isVisible(), "the sign-in page offers the agency's provider");
    if (login === "ana" && otp) {
      await axe(page, "sign-in with a provider");
      await page.screenshot({ path: join(fx.screenshots, "sign-in-sso-desktop.png"), fullPage: true });
    }
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/app/")), link.click()]);
    await check(await page.getByRole("heading", { name: "Test identity provider" }).isVisible(), "the link leads to the provider");
    await page.getByLabel("Login").fill(login);
    if (otp) await page.getByLabel("I also gave my one-time code").check();
    await page.getByRole("button", { name: "Sign in at the provider" }).click();
    // Back at the service: the callback's page moves on by itself where it signed in.
    const arrived = await page
      .waitForURL((u) => u.origin === fx.base && u.pathname === lands, { timeout: 15000 })
      .then(() => true, () => false);
    await check(arrived, `back from the provider at ${lands}`);
    await page.waitForLoadState();
    return { context, page };
  }

  // Ana, with her provider's second factor: straight to her desk.
  {
    const { context, page } = await person("ana", true, "/app/");
    await check(new URL(page.url()).pathname === "/app/", `back from the provider, Ana reaches her desk (${page.url()})`);
    await check(await page.getByText("Signed in as Ana Brown, JCF Cybercrime Unit (Jamaica)").isVisible(), "as the account made from her claims, in the agency they name");
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "caseledger");
    await check(session && session.sameSite === "Strict" && session.httpOnly, "the session's cookie is HttpOnly and SameSite=Strict");
    await check(!cookies.some((c) => c.name === "caseledger-sso"), "the sign-in's state cookie is gone");
    await page.screenshot({ path: join(fx.screenshots, "desk-after-sso-desktop.png"), fullPage: true });
    await context.close();
  }
  // Ana with her password alone: the service asks for a factor of its own.
  {
    const { context, page } = await person("ana", false, "/app/factors");
    await check(new URL(page.url()).pathname === "/app/factors", `with one factor at the provider, Ana must enrol one here (${page.url()})`);
    await check(await page.getByText("Your account must hold a second factor").isVisible(), "and is told why");
    await context.close();
  }
  // Ben's groups give him no role here.
  {
    const { context, page } = await person("ben", true, "/app/sso/callback");
    await check(await page.getByRole("alert").filter({ hasText: "did not succeed" }).isVisible(), "a person the claims give no role is told the sign-in did not succeed");
    await check(new URL(page.url()).pathname === "/app/sso/callback", "and stays signed out");
    await context.close();
  }
  await check(problems.length === 0, `no policy refusal and no script error (${problems.join("; ")})`);
} finally {
  await browser.close();
}
