// A real OpenID provider for the tests of sign-in with national identity providers:
// panva's oidc-provider (certified by the OpenID Foundation), configured as an
// agency's would be, with a sign-in page of its own in place of the library's
// development pages so that a test says whether the person gave a second factor
// there (the ID token's `amr`).
//
//   node provider.mjs CONFIG.json
//
// CONFIG: {"port": N, "client": {"client_id", "client_secret", "redirect_uri"},
//          "accounts": {"<login>": {<claims>}}}. Prints "ready" once it listens.

import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://localhost:${config.port}`;
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: "jwk" }), kid: "idp-rs256", alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client.client_id,
      client_secret: config.client.client_secret,
      redirect_uris: [config.client.redirect_uri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signing] },
  cookies: { keys: ["caseledger-tests-idp-cookie-key"] },
  claims: {
    // With `openid`: how the person signed in (RFC 8176), in every ID token.
    openid: ["sub", "amr"],
    profile: ["name", "preferred_username"],
    caseledger: ["groups", "agency"],
  },
  // The claims of the scopes asked for go in the ID token itself.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  // The agency's people consent through their employment: no consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile caseledger");
    await grant.save();
    return grant;
  },
});

function page(uid, problem) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>${problem ? `<p role="alert">${problem}</p>` : ""}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Login</label><input id="login" name="login" autocomplete="username">
<label><input type="checkbox" name="otp" value="1"> I also gave my one-time code</label>
<button type="submit">Sign in at the provider</button>
</form></main></body></html>`;
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname.startsWith("/interaction/")) {
      const uid = url.pathname.split("/")[2];
      await provider.interactionDetails(req, res);
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(page(uid));
        return;
      }
      const form = await body(req);
      const login = form.get("login");
      if (!config.accounts[login]) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(page(uid, "No such login."));
        return;
      }
      const amr = form.get("otp") ? ["pwd", "otp"] : ["pwd"];
      await provider.interactionFinished(req, res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
      return;
    }
    provider.callback()(req, res);
  } catch (e) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(e));
  }
});
server.listen(config.port, () => console.log("ready"));
