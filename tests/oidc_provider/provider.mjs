// A real OpenID Connect provider on loopback for the sign-in tests: oidc-provider with its
// development login and consent pages. Everything it needs comes as JSON in OIDC_TEST_CONFIG:
//   { "port": 0, "clients": [...], "jwks": {"keys": [private JWK]}, "users": {"login": {claims}} }
// It prints "listening <port>" once it answers.
import Provider from "oidc-provider";

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);

const provider = new Provider(`http://127.0.0.1:${config.port}`, {
  clients: config.clients,
  jwks: config.jwks,
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "tid", "xms_edov"] },
  // Claims asked for by scope go into the ID token too (Pipeline reads only the ID token).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["pipeline-test-provider-cookies"] },
  async findAccount(ctx, id) {
    const claims = config.users[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

const server = provider.listen(config.port, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
