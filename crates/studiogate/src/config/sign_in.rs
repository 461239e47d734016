//! SP-initiated sign-in (`GET /login?target=KEY`): where the AuthnRequest goes (`idp.sso_url`, or
//! the HTTP-Redirect SingleSignOnService of the IdP's metadata), whether IdP-initiated responses are
//! still accepted (`idp.idp_initiated`), and the SP certificate that makes the broker sign its
//! requests with the SP key.
//!
//! ```toml
//! [idp]
//! sso_url = "https://idp.example.com/sso/saml"   # or from metadata_file
//! idp_initiated = false                          # only responses to the broker's own requests
//! [sp]
//! decryption_key_file = "sp-key.pem"            # the SP key...
//! certificate_file = "sp-cert.pem"              # ...and its certificate: requests are signed
//! ```

use super::{BrokerConfig, ConfigError};
use std::sync::Arc;
use studiogate_saml::authn_request::RequestSigner;
use studiogate_saml::keys;
use studiogate_saml::metadata::parse_idp_metadata;

/// SP-initiated sign-in, resolved and checked: everything an AuthnRequest needs.
#[derive(Debug, Clone)]
pub struct SpInitiated {
    /// The IdP's SingleSignOnService (HTTP-Redirect binding).
    pub sso_url: String,
    /// Where the IdP must post the Response: the first of `sp.acs_urls`.
    pub acs_url: String,
    /// The broker's entity ID, the request's Issuer.
    pub issuer: String,
    /// The SP key, when `sp.certificate` is set: requests are signed.
    pub signer: Option<Arc<RequestSigner>>,
    /// How long a request stays outstanding (`login.request_lifetime_seconds`).
    pub lifetime: time::Duration,
}

/// An https URL (http on the loopback, for local runs) without a fragment, which would swallow the
/// query the request is appended as.
fn is_sso_url(url: &str) -> bool {
    let loopback = [
        "http://127.0.0.1:",
        "http://127.0.0.1/",
        "http://localhost:",
        "http://localhost/",
    ];
    (url.starts_with("https://") || loopback.iter().any(|prefix| url.starts_with(prefix)))
        && !url.contains('#')
}

impl SpInitiated {
    /// Whether the request's cookie is `__Host-`/`Secure`/`SameSite=None`: the ACS is https. A
    /// plain-http ACS (local runs) cannot carry a Secure cookie.
    pub fn secure_cookie(&self) -> bool {
        self.acs_url.starts_with("https://")
    }
}

impl BrokerConfig {
    /// The IdP's SSO URL for the HTTP-Redirect binding: `idp.sso_url`, or the metadata's.
    pub fn sso_url(&self) -> Result<Option<String>, ConfigError> {
        let url = match (&self.idp.sso_url, &self.idp.metadata) {
            (Some(url), _) => Some(url.clone()),
            (None, Some(xml)) => {
                parse_idp_metadata(xml)
                    .map_err(|m| ConfigError::field("idp.metadata", m))?
                    .sso_redirect_url
            }
            (None, None) => None,
        };
        match url {
            Some(url) if !is_sso_url(&url) => Err(ConfigError::field(
                "idp.sso_url",
                format!(
                    "{url:?} is not an https URL without a #fragment (http only for 127.0.0.1 or localhost)"
                ),
            )),
            url => Ok(url),
        }
    }

    /// Whether a Response that answers no AuthnRequest (IdP-initiated) is accepted.
    pub fn accepts_idp_initiated(&self) -> bool {
        self.idp.idp_initiated.unwrap_or(true)
    }

    /// The SP certificate (DER), checked against the SP key, if one is configured.
    pub fn sp_certificate(&self) -> Result<Option<(Vec<u8>, RequestSigner)>, ConfigError> {
        let Some(pem) = &self.sp.certificate else {
            return Ok(None);
        };
        let field = |m: String| ConfigError::field("sp.certificate", m);
        let der = match keys::pem_certificates(pem).map_err(field)?.as_slice() {
            [one] => one.clone(),
            many => return Err(field(format!("give one certificate, not {}", many.len()))),
        };
        let key = self.sp.decryption_key_pem.as_ref().ok_or_else(|| {
            field(
                "is the certificate of the SP key, which is not configured (sp.decryption_key_file, \
                 or SpDecryptionKeySecret in a deployment)"
                    .into(),
            )
        })?;
        let signer = keys::request_signer(key.expose())
            .map_err(|m| ConfigError::field("sp.decryption_key_pem", m))?;
        if !keys::certificate_matches(&der, &signer).map_err(field)? {
            return Err(field(
                "does not hold the public half of the SP key (sp.decryption_key_*)".into(),
            ));
        }
        Ok(Some((der, signer)))
    }

    /// SP-initiated sign-in, if the IdP's SSO URL is known; checks its fields on the way.
    pub fn sp_initiated(&self) -> Result<Option<SpInitiated>, ConfigError> {
        let sso_url = self.sso_url()?;
        let certificate = self.sp_certificate()?;
        let Some(sso_url) = sso_url else {
            if !self.accepts_idp_initiated() {
                return Err(ConfigError::field(
                    "idp.idp_initiated",
                    "with IdP-initiated sign-in off, users can only sign in through GET /login, which needs \
                     the IdP's SSO URL: set idp.sso_url (or import metadata with a SingleSignOnService)",
                ));
            }
            return Ok(None);
        };
        let acs_url = self.sp.acs_urls.first().cloned().ok_or_else(|| {
            ConfigError::field("sp.acs_urls", "SP-initiated sign-in needs an ACS URL")
        })?;
        let lifetime = self
            .login
            .as_ref()
            .map_or(super::login::DEFAULT_REQUEST_LIFETIME_SECONDS, |l| {
                l.request_lifetime_seconds
            });
        Ok(Some(SpInitiated {
            sso_url,
            acs_url,
            issuer: self.sp_entity_id().to_owned(),
            signer: certificate.map(|(_, signer)| Arc::new(signer)),
            lifetime: time::Duration::seconds(i64::try_from(lifetime).unwrap_or(i64::MAX)),
        }))
    }
}
