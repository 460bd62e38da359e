// Sign-in security in Debian's Chromium, headless, over the DevTools protocol.
//
//   node factors.mjs FIXTURE.json
//
// Run by tests/api/browser.rs against a service whose policy asks every person for
// a second factor, reached at http://localhost:PORT (passkeys need a domain name).
// A person without a factor signs in, is led to enrol an authenticator app (the
// code computed here from the secret the page shows, as an app would), keeps the
// recovery codes, signs in again with a code, adds a passkey on Chromium's virtual
// authenticator (DevTools WebAuthn domain), signs in with the passkey, and gives it
// again on the step-up page. axe-core runs in every new page; the one script runs
// only where a passkey is offered, under a policy that names it by its hash.

import { createHmac } from "node:crypto";
import { DESKTOP, axe as axeOn, check, follow as followOn, fx, launch, photograph as photographOn, showing, watch } from "./harness.mjs";

// RFC 6238 as an authenticator app computes it: HMAC-SHA-1, 30-second steps, 6 digits.
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/\s/g, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
function totp(secret, at = Date.now() / 1000) {
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const mac = createHmac("sha1", secret).update(step).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}

const browser = await launch();
const problems = [];
try {
  const context = await browser.newContext({ viewport: DESKTOP, locale: "en-GB" });
  const page = await context.newPage();
  showing(page);
  watch(page, problems);
  const policies = new Map(); // path -> the policy its page came under
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") policies.set(new URL(r.url()).pathname, r.headers()["content-security-policy"] || "");
  });

  const follow = (locator) => followOn(page, locator);
  const axe = (name) => axeOn(page, name);
  const photograph = (name) => photographOn(page, name);
  const path = () => new URL(page.url()).pathname;
  async function password() {
    await page.goto(`${fx.base}/app/login`);
    await page.getByLabel("Username").fill(fx.username);
    await page.getByLabel("Password").fill(fx.password);
    await follow(page.getByRole("button", { name: "Sign in" }));
  }
  async function signOut() {
    await follow(page.getByRole("button", { name: "Sign out" }));
    await check(path() === "/app/login", "signed out");
  }

  // 1. No factor yet: the password leads to sign-in security, and nowhere else.
  await password();
  await check(path() === "/app/factors", "a person who must hold a factor is led to sign-in security");
  await check(await page.getByText("Your account must hold a second factor").isVisible(), "told why");
  await page.goto(`${fx.base}/app/`);
  await check(path() === "/app/factors", "the desk is out of reach until a factor is held");
  await axe("sign-in security");
  await photograph("factors");
  await check(!policies.get("/app/factors").includes("script-src"), "sign-in security runs no script");

  // 2. An authenticator app: the QR code and the secret, then a first code.
  await page.getByLabel("Name (to tell it from your others)").first().fill("Work phone");
  await follow(page.getByRole("button", { name: "Add an authenticator app" }));
  await check(await page.getByRole("img", { name: /QR code/ }).isVisible(), "the QR code is drawn");
  const secret = base32(await page.locator("code").innerText());
  await check(secret.length === 20, "the secret, typed out, is 160 bits");
  await axe("authenticator enrolment");
  await photograph("factor-enrol");
  await page.getByLabel("Code from your app").fill(totp(secret, Date.now() / 1000 + 600));
  await follow(page.getByRole("button", { name: "Confirm" }));
  await check(await page.getByRole("alert").isVisible(), "a wrong first code is told, and the QR code shown again");
  await page.getByLabel("Code from your app").fill(totp(secret));
  await follow(page.getByRole("button", { name: "Confirm" }));
  const codes = await page.locator("ol.codes li").allInnerTexts();
  await check(codes.length === 10, "ten recovery codes are shown, once");
  await axe("recovery codes");
  await photograph("recovery-codes");
  await page.goto(`${fx.base}/app/`);
  await check(path() === "/app/", "with a factor held, the desk opens");
  await signOut();

  // 3. Sign-in with the app's code (the next step's: this step's was spent).
  await password();
  const secondStep = page.getByRole("heading", { level: 1, name: "Your second factor" });
  await check(await secondStep.isVisible(), "the password leads to the second step");
  await check(!(await page.getByRole("button", { name: "Use a passkey" }).isVisible()), "no passkey is offered to a person who holds none");
  await axe("second step");
  await photograph("second-step");
  await page.getByLabel("Code from your app").fill("000000");
  await follow(page.getByRole("button", { name: "Continue" }));
  await check(await page.getByRole("alert").isVisible(), "a wrong code is told");
  await page.getByLabel("Code from your app").fill(totp(secret, Date.now() / 1000 + 30));
  await follow(page.getByRole("button", { name: "Continue" }));
  await check(path() === "/app/", "the right code opens the desk");

  // 4. A passkey, on Chromium's virtual authenticator (a platform authenticator that
  // verifies its user).
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await follow(page.getByRole("link", { name: "Sign-in security" }));
  await page.getByLabel("Name (to tell it from your others)").nth(1).fill("This laptop");
  await follow(page.getByRole("button", { name: "Add a passkey or security key" }));
  await check(path().startsWith("/app/factors") && (await page.getByRole("heading", { level: 1 }).innerText()).includes("This laptop"), "the passkey page names the new passkey");
  const policy = policies.get(path());
  await check(/script-src 'sha256-[A-Za-z0-9+/]{43}='$/.test(policy), `the passkey page allows one script, by its hash (${policy})`);
  await check(!policy.includes("unsafe"), "and nothing unsafe");
  await axe("passkey enrolment");
  await photograph("passkey-enrol");
  await follow(page.getByRole("button", { name: "Use a passkey" }));
  await check(path() === "/app/factors", "the browser's passkey confirms the factor");
  await check(await page.getByText("The factor was confirmed.").isVisible(), "and the page says so");
  await check(await page.getByRole("cell", { name: "Passkey or security key" }).isVisible(), "the passkey is listed");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  await check(credentials.length === 1, "the authenticator holds one credential for the service");
  await check(credentials[0].rpId === "localhost", "for the service's domain");
  await signOut();

  // 5. Sign-in with the passkey.
  await password();
  await check(await page.getByRole("button", { name: "Use a passkey" }).isVisible(), "the second step offers the passkey");
  await check(/script-src 'sha256-/.test(policies.get("/app/login")), "under the policy that allows its script");
  await axe("second step with a passkey");
  await photograph("second-step-passkey");
  await follow(page.getByRole("button", { name: "Use a passkey" }));
  await check(path() === "/app/", "the passkey opens the desk");
  await check(!policies.get("/app/").includes("script-src"), "and the desk runs no script");

  // 6. Step-up with the passkey, back to the page that asked.
  await page.goto(`${fx.base}/app/step-up?back=/app/factors`);
  await check(await page.getByRole("heading", { level: 1, name: "Confirm it is you" }).isVisible(), "the step-up page asks for the factor");
  await axe("step-up");
  await photograph("step-up");
  await follow(page.getByRole("button", { name: "Use a passkey" }));
  await check(path() === "/app/factors", "the passkey given, the step-up leads back");

  // A cancelled ceremony is told, and nothing is posted.
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
  await page.goto(`${fx.base}/app/step-up?back=/app/factors`);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await page.getByText("The browser gave no passkey").waitFor({ timeout: 15000 });
  await check(path() === "/app/step-up", "a passkey that does not verify its user posts nothing");

  await check(problems.length === 0, `no policy refusal and no script error (${problems.join("; ")})`);
} finally {
  await browser.close();
}
