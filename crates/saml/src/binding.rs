//! The SAML HTTP-POST binding: a form body in, the decoded Response document out. Also the input
//! sniffing `studiogate inspect` uses (raw XML, base64, an HTML auto-submit form or a form body).

use super::policy::Limits;
use super::Rejection;
use base64::Engine as _;

/// The fields of a SAML HTTP-POST form. `Debug` shows their lengths only (a bearer assertion,
/// and text the sender chose).
#[derive(Clone, PartialEq, Eq)]
pub struct PostForm {
    /// `SAMLResponse`, still base64.
    pub saml_response: String,
    /// `RelayState`, if sent.
    pub relay_state: Option<String>,
}

impl std::fmt::Debug for PostForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostForm")
            .field("saml_response_bytes", &self.saml_response.len())
            .field(
                "relay_state_bytes",
                &self.relay_state.as_ref().map(String::len),
            )
            .finish()
    }
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_form(body: &[u8], limits: &Limits) -> Result<PostForm, Rejection> {
    if body.len() > limits.max_body_bytes {
        return Err(Rejection::BodyTooLarge {
            size: body.len(),
            limit: limits.max_body_bytes,
        });
    }
    let (mut response, mut relay) = (None, None);
    for (key, value) in form_urlencoded::parse(body) {
        let slot = match key.as_ref() {
            "SAMLResponse" => (&mut response, "SAMLResponse"),
            "RelayState" => (&mut relay, "RelayState"),
            _ => continue,
        };
        if slot.0.replace(value.into_owned()).is_some() {
            return Err(Rejection::DuplicateFormField { field: slot.1 });
        }
    }
    let saml_response = response
        .filter(|r| !r.trim().is_empty())
        .ok_or(Rejection::MissingSamlResponse)?;
    Ok(PostForm {
        saml_response,
        relay_state: relay.filter(|r| !r.is_empty()),
    })
}

/// Decodes the base64 `SAMLResponse` (whitespace tolerated) to UTF-8 XML.
pub fn decode_saml_response(encoded: &str, limits: &Limits) -> Result<String, Rejection> {
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    // Base64 grows 4/3; refuse before allocating the decoded buffer.
    if compact.len() / 4 * 3 > limits.max_decoded_bytes + 3 {
        return Err(Rejection::DecodedTooLarge {
            size: compact.len() / 4 * 3,
            limit: limits.max_decoded_bytes,
        });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| Rejection::InvalidBase64)?;
    String::from_utf8(bytes).map_err(|_| Rejection::NotUtf8)
}

/// What an inspected input turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SniffedInput {
    /// The Response document.
    pub xml: String,
    /// RelayState, when the input was a form.
    pub relay_state: Option<String>,
    /// `xml`, `base64`, `html-form` or `form-body`.
    pub encoding: &'static str,
}

/// Accepts raw XML, base64, an HTML auto-submit form, or a urlencoded form body.
pub fn sniff_input(raw: &[u8], limits: &Limits) -> Result<SniffedInput, Rejection> {
    let text = std::str::from_utf8(raw).map_err(|_| Rejection::NotUtf8)?;
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let lower_head: String = trimmed
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    if trimmed.starts_with('<')
        && !(lower_head.contains("<form")
            || lower_head.contains("<html")
            || lower_head.contains("<!doctype html"))
    {
        return Ok(SniffedInput {
            xml: trimmed.to_owned(),
            relay_state: None,
            encoding: "xml",
        });
    }
    if trimmed.starts_with('<') {
        let form = super::html_form::post_form(trimmed)?;
        return Ok(SniffedInput {
            xml: decode_saml_response(&form.saml_response, limits)?,
            relay_state: form.relay_state,
            encoding: "html-form",
        });
    }
    if trimmed.starts_with("SAMLResponse=") || trimmed.contains("&SAMLResponse=") {
        let form = parse_form(trimmed.as_bytes(), limits)?;
        return Ok(SniffedInput {
            xml: decode_saml_response(&form.saml_response, limits)?,
            relay_state: form.relay_state,
            encoding: "form-body",
        });
    }
    Ok(SniffedInput {
        xml: decode_saml_response(trimmed, limits)?,
        relay_state: None,
        encoding: "base64",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_lengths_not_the_assertion_or_relay_state() {
        let form = PostForm {
            saml_response: "PHNhbWxwOlJlc3BvbnNlLz4=".into(),
            relay_state: Some("https://evil".into()),
        };
        assert_eq!(
            format!("{form:?}"),
            "PostForm { saml_response_bytes: 24, relay_state_bytes: Some(12) }"
        );
    }

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn parses_a_post_form_with_relay_state() {
        let form = parse_form(
            b"SAMLResponse=PHI%2BPC9yPg%3D%3D&RelayState=team-a",
            &limits(),
        )
        .unwrap();
        assert_eq!(form.saml_response, "PHI+PC9yPg==");
        assert_eq!(form.relay_state.as_deref(), Some("team-a"));
        assert_eq!(
            decode_saml_response(&form.saml_response, &limits()).unwrap(),
            "<r></r>"
        );
    }

    #[test]
    fn rejects_missing_duplicate_and_oversized_fields() {
        assert_eq!(
            parse_form(b"RelayState=x", &limits()),
            Err(Rejection::MissingSamlResponse)
        );
        assert_eq!(
            parse_form(b"SAMLResponse=a&SAMLResponse=b", &limits()),
            Err(Rejection::DuplicateFormField {
                field: "SAMLResponse"
            })
        );
        let big = vec![b'a'; 300 * 1024];
        assert_eq!(
            parse_form(&big, &limits()).unwrap_err().reason_code(),
            "body-too-large"
        );
        assert_eq!(
            decode_saml_response("!!!", &limits()),
            Err(Rejection::InvalidBase64)
        );
        assert_eq!(
            decode_saml_response(&"QUFB".repeat(70_000), &limits())
                .unwrap_err()
                .reason_code(),
            "decoded-too-large"
        );
    }

    #[test]
    fn sniffs_xml_base64_html_forms_and_form_bodies() {
        let xml = "<samlp:Response/>";
        assert_eq!(
            sniff_input(xml.as_bytes(), &limits()).unwrap().encoding,
            "xml"
        );
        let b64 = "PHNhbWxwOlJlc3BvbnNlLz4=";
        assert_eq!(sniff_input(b64.as_bytes(), &limits()).unwrap().xml, xml);
        let html = "<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"x\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"PHNhbWxwOlJlc3BvbnNlLz4&#x3D;\"/><input type='hidden' name='RelayState' value='a&amp;b'/></form></body></html>";
        let sniffed = sniff_input(html.as_bytes(), &limits()).unwrap();
        assert_eq!(
            (
                sniffed.xml.as_str(),
                sniffed.relay_state.as_deref(),
                sniffed.encoding
            ),
            (xml, Some("a&b"), "html-form")
        );
        let body = format!("SAMLResponse={}", "PHNhbWxwOlJlc3BvbnNlLz4%3D");
        assert_eq!(
            sniff_input(body.as_bytes(), &limits()).unwrap().encoding,
            "form-body"
        );
    }
}
