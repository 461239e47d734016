// Mints an IdP-initiated SAML Response with samlify (npm, pinned by package-lock.json):
// IdentityProvider.createLoginResponse, as a Node.js IdP built on samlify answers a click on an
// AWS tile. JSON on stdin (see ../README.md), the base64 SAMLResponse on stdout.
//
// Configured as samlify's documentation tells an administrator to add attributes: a
// loginResponseTemplate (samlify's default Response, with an AuthnStatement, which the Web SSO
// profile requires and samlify's default leaves out) whose `attributes` samlify renders, and a
// customTagReplacement that fills the tags with the values samlify's own default fills in
// (binding-post.js base64LoginResponse), InResponseTo included ('' when there is no request).
// The SP is what the administrator enters: entityID (the Audience), the ACS URL (Destination and
// Recipient), WantAssertionsSigned. The IdP keeps the signing key and certificate it already has
// (the same as the local pysaml2 IdP: an operator switching IdP software keeps the key the broker
// and the IAM SAML provider pin); RSA-SHA256, samlify's default.
'use strict';

const fs = require('fs');
const samlify = require('samlify');

const URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const AUTHN = '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{AssertionID}"><saml:AuthnContext>'
  + '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>'
  + '</saml:AuthnContext></saml:AuthnStatement>';

async function mint(spec) {
  // One attribute element each; samlify's attribute template holds one value, so a list of
  // several values (several roles) is refused here rather than silently cut.
  const names = Object.keys(spec.attributes);
  const values = {};
  const attributes = names.map((name, i) => {
    const list = spec.attributes[name];
    if (list.length !== 1) throw new Error(`samlify's attribute template holds one value; ${name} has ${list.length}`);
    values[`attrA${i}`] = list[0];
    return { name, valueTag: `a${i}`, nameFormat: URI, valueXsiType: 'xs:string' };
  });
  const template = samlify.SamlLib.defaultLoginResponseTemplate.context.replace('{AuthnStatement}', AUTHN);
  const idp = samlify.IdentityProvider({
    entityID: spec.idp_entity_id,
    privateKey: fs.readFileSync(spec.key_file),
    signingCert: fs.readFileSync(spec.cert_file),
    nameIDFormat: [spec.name_id_format],
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${spec.idp_entity_id}/sso` }],
    loginResponseTemplate: { context: template, attributes },
  });
  const sp = samlify.ServiceProvider({
    entityID: spec.sp_entity_id,
    wantAssertionsSigned: true,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: spec.acs_url }],
  });

  const fill = (context) => {
    const now = new Date();
    const later = new Date(now.getTime() + 1000 * (spec.lifetime_seconds || 300));
    const acs = sp.entityMeta.getAssertionConsumerService(samlify.Constants.wording.binding.post);
    const id = idp.entitySetting.generateID();
    const tags = {
      ID: id,
      AssertionID: idp.entitySetting.generateID(),
      Destination: acs,
      Audience: sp.entityMeta.getEntityID(),
      EntityID: sp.entityMeta.getEntityID(),
      SubjectRecipient: acs,
      Issuer: idp.entityMeta.getEntityID(),
      IssueInstant: now.toISOString(),
      AssertionConsumerServiceURL: acs,
      StatusCode: samlify.Constants.StatusCode.Success,
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later.toISOString(),
      SubjectConfirmationDataNotOnOrAfter: later.toISOString(),
      NameIDFormat: spec.name_id_format,
      NameID: spec.name_id,
      InResponseTo: '',
      ...values,
    };
    return { id, context: samlify.SamlLib.replaceTagsByValue(context, tags) };
  };
  const { context } = await idp.createLoginResponse(sp, null, 'post', {}, { customTagReplacement: fill });
  return context;
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  mint(JSON.parse(input)).then(
    (encoded) => process.stdout.write(`${encoded}\n`),
    (error) => { process.stderr.write(`samlify: ${error.message}\n`); process.exit(1); },
  );
});
