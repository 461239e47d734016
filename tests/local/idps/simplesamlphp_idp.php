<?php
/**
 * Mints an IdP-initiated SAML Response with SimpleSAMLphp (Debian `simplesamlphp`, with `php-xml`),
 * through the IdP's own code: SimpleSAML\Module\saml\IdP\SAML2's buildAssertion and buildResponse,
 * the two steps of its sendResponse before the HTTP-POST binding (called by reflection: they are
 * private, and the rest of sendResponse needs a web session and sends the page itself).
 *
 * JSON on stdin (see README.md in this folder), the base64 SAMLResponse on stdout.
 *
 * Configured as an administrator would for AWS: saml20-idp-hosted holds the IdP's entity ID, key
 * and certificate (the same as the local pysaml2 IdP: an operator switching IdP software keeps the
 * signing key the broker and the IAM SAML provider pin), RSA-SHA256; saml20-sp-remote holds the SP
 * (entityID = the Audience, the ACS URL = Destination and Recipient), URI attribute names, and the
 * NameID that the saml:AttributeNameID filter would set. Signing: SimpleSAMLphp's defaults
 * (saml20.sign.assertion and saml20.sign.response, both on).
 */

declare(strict_types=1);

require '/usr/share/simplesamlphp/lib/_autoload.php';

use SimpleSAML\Configuration;
use SimpleSAML\Module\saml\IdP\SAML2 as Idp;
use SAML2\Constants;
use SAML2\XML\saml\NameID;

$spec = json_decode(stream_get_contents(STDIN), true, 16, JSON_THROW_ON_ERROR);

// The global config.php: only what the two steps read (the certificate folder and the session
// length for SessionNotOnOrAfter); the logs go nowhere, so no attribute value reaches a log.
Configuration::setPreLoadedConfig(Configuration::loadFromArray([
    'certdir' => '/',
    'session.duration' => 8 * 60 * 60,
    'logging.handler' => 'errorlog',
    'logging.level' => 0,
]));

$idpMetadata = Configuration::loadFromArray([
    'entityid' => $spec['idp_entity_id'],
    'privatekey' => $spec['key_file'],
    'certificate' => $spec['cert_file'],
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'assertion.lifetime' => (int) ($spec['lifetime_seconds'] ?? 300),
], '$metadata[saml20-idp-hosted]');

$spMetadata = Configuration::loadFromArray([
    'entityid' => $spec['sp_entity_id'],
    'AssertionConsumerService' => [['Binding' => Constants::BINDING_HTTP_POST, 'Location' => $spec['acs_url']]],
    'NameIDFormat' => $spec['name_id_format'],
    'attributes.NameFormat' => Constants::NAMEFORMAT_URI,
], '$metadata[saml20-sp-remote]');

$nameId = new NameID();
$nameId->setValue($spec['name_id']);
$nameId->setFormat($spec['name_id_format']);

// The authentication state of an IdP-initiated login (saml2/idp/SSOService.php?spentityid=...):
// no request ID, the SP's POST ACS, the user's attributes after the authproc filters.
$state = [
    'Attributes' => $spec['attributes'],
    'saml:ConsumerURL' => $spec['acs_url'],
    'saml:Binding' => Constants::BINDING_HTTP_POST,
    'saml:RequestId' => null,
    'saml:RelayState' => null,
    'saml:NameIDFormat' => $spec['name_id_format'],
    'saml:NameID' => [$spec['name_id_format'] => $nameId],
    'saml:AuthnContextClassRef' => Constants::AC_PASSWORD_PROTECTED_TRANSPORT,
    'AuthnInstant' => time(),
];

$step = function (string $name) {
    $method = new ReflectionMethod(Idp::class, $name);
    $method->setAccessible(true);
    return $method;
};
$assertion = $step('buildAssertion')->invokeArgs(null, [$idpMetadata, $spMetadata, &$state]);
$response = $step('buildResponse')->invoke(null, $idpMetadata, $spMetadata, $state['saml:ConsumerURL']);
$response->setInResponseTo($state['saml:RequestId']);
$response->setAssertions([$assertion]);

// What SAML2\HTTPPost::send puts in the form.
$xml = $response->toSignedXML();
echo base64_encode($xml->ownerDocument->saveXML($xml)), "\n";
