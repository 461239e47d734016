//! The `SAMLResponse` and `RelayState` of an HTML auto-submit page, as a browser would submit them,
//! for `studiogate inspect` (the ACS itself only ever reads a form body). What a browser never
//! submits is set aside first: comments (with the HTML tokenizer's `<!-->`, `<!--->` and `--!>`
//! endings), bogus comments (`<!…>`, `<?…>`) and the text of raw-text elements and templates. A page
//! still holding two `SAMLResponse` inputs is refused as ambiguous rather than guessed at.

use super::binding::PostForm;
use super::Rejection;

/// Elements whose content is text (or, for `template`, never submitted), per the HTML standard's
/// tokenizer states; `noscript` with scripting on, as the browser that auto-submits runs it.
const RAW_TEXT: [&str; 10] = [
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    "template",
];

/// The form fields of an HTML page.
pub(crate) fn post_form(html: &str) -> Result<PostForm, Rejection> {
    let visible = inert_parts_removed(html);
    let mut responses = Vec::new();
    let mut relays = Vec::new();
    for attributes in start_tags(&visible).filter(|(name, _)| name == "input") {
        let attributes = attributes.1;
        let value_of = |wanted: &str| {
            attributes
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| decode_html_entities(value))
        };
        match value_of("name").as_deref() {
            Some("SAMLResponse") => responses.push(value_of("value").unwrap_or_default()),
            Some("RelayState") => relays.push(value_of("value").unwrap_or_default()),
            _ => {}
        }
    }
    let saml_response = match responses.as_slice() {
        [one] if !one.trim().is_empty() => one.clone(),
        [] | [_] => return Err(Rejection::MissingSamlResponse),
        _ => {
            return Err(Rejection::DuplicateFormField {
                field: "SAMLResponse",
            })
        }
    };
    let relay_state = match relays.as_slice() {
        [] => None,
        [one] => Some(one.clone()).filter(|r| !r.is_empty()),
        _ => {
            return Err(Rejection::DuplicateFormField {
                field: "RelayState",
            })
        }
    };
    Ok(PostForm {
        saml_response,
        relay_state,
    })
}

/// The page without comments, bogus comments and raw-text content (each replaced by a space).
fn inert_parts_removed(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    while let Some(found) = html[i..].find('<') {
        let at = i + found;
        out.push_str(&html[i..at]);
        let rest = &lower[at..];
        let after_letter = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        let end = if rest.starts_with("<!--") {
            comment_end(&lower, at + 4)
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            lower[at..].find('>').map_or(lower.len(), |e| at + e + 1)
        } else if after_letter || rest.starts_with("</") {
            let tag_end = tag_end(html, at + 1);
            out.push_str(&html[at..tag_end]);
            let name: String = rest[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if after_letter && RAW_TEXT.contains(&name.as_str()) {
                let close = format!("</{name}");
                i = lower[tag_end..]
                    .find(&close)
                    .map_or(lower.len(), |e| tag_end + e);
                out.push(' ');
            } else {
                i = tag_end;
            }
            continue;
        } else {
            out.push('<');
            i = at + 1;
            continue;
        };
        out.push(' ');
        i = end;
    }
    out.push_str(&html[i..]);
    out
}

/// Where a comment whose text starts at `from` ends (just past its closing), per the HTML
/// tokenizer: `>` or `->` right away close it abruptly; otherwise `-->` or `--!>`.
fn comment_end(lower: &str, from: usize) -> usize {
    let text = &lower[from..];
    if text.starts_with('>') {
        return from + 1;
    }
    if text.starts_with("->") {
        return from + 2;
    }
    let close = [
        text.find("-->").map(|e| e + 3),
        text.find("--!>").map(|e| e + 4),
    ];
    close
        .into_iter()
        .flatten()
        .min()
        .map_or(lower.len(), |e| from + e)
}

/// Just past the `>` of the tag whose name starts at `from`; quoted values may hold `>`.
fn tag_end(html: &str, from: usize) -> usize {
    let bytes = html.as_bytes();
    let mut quote = None;
    for (offset, byte) in bytes[from..].iter().enumerate() {
        match (quote, byte) {
            (None, b'>') => return from + offset + 1,
            (None, b'"' | b'\'') => quote = Some(*byte),
            (Some(q), b) if q == *b => quote = None,
            _ => {}
        }
    }
    html.len()
}

/// Every start tag: its lowercase name and its attributes (lowercase names, raw values), the
/// first of a repeated attribute winning as in a browser.
fn start_tags(html: &str) -> impl Iterator<Item = (String, Vec<(String, String)>)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || loop {
        let at = i + html[i..].find('<')?;
        let end = tag_end(html, at + 1);
        i = end;
        let tag = html[at + 1..end].trim_end_matches('>');
        if !tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let name_len = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(tag.len());
        return Some((
            tag[..name_len].to_ascii_lowercase(),
            attributes(&tag[name_len..]),
        ));
    })
}

fn attributes(mut text: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if text.is_empty() {
            return found;
        }
        let name_len = text
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(text.len())
            .max(1);
        let name = text[..name_len].to_ascii_lowercase();
        text = text[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = text.strip_prefix('=') {
            let after = after.trim_start();
            let (raw, rest) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                    Some(e) => (&after[1..1 + e], &after[e + 2..]),
                    None => (&after[1..], ""),
                },
                _ => {
                    let e = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..e], &after[e..])
                }
            };
            value = raw.to_owned();
            text = rest;
        }
        if !found.iter().any(|(n, _)| *n == name) {
            found.push((name, value));
        }
    }
}

fn decode_html_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|s| *s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = "<input type=\"hidden\" name=\"SAMLResponse\" value=\"UkVBTA==\"/>";

    fn saml_response(html: &str) -> Result<String, Rejection> {
        post_form(html).map(|form| form.saml_response)
    }

    #[test]
    fn reads_an_auto_submit_form_with_entities_and_single_quotes() {
        let html = "<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"x\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"PHI&#x3D;\"/><input type='hidden' name='RelayState' value='a&amp;b'/></form></body></html>";
        let form = post_form(html).unwrap();
        assert_eq!(form.saml_response, "PHI=");
        assert_eq!(form.relay_state.as_deref(), Some("a&b"));
    }

    #[test]
    fn an_input_inside_a_comment_is_not_what_the_browser_submits() {
        let decoy = "<!-- <input name=\"SAMLResponse\" value=\"DECOY\"> -->";
        assert_eq!(
            saml_response(&format!("{decoy}{FORM}")).unwrap(),
            "UkVBTA=="
        );
        // The HTML tokenizer's abrupt comment endings close the comment early, so the input counts.
        assert_eq!(
            saml_response("<!--><input name=\"SAMLResponse\" value=\"AAAA\">").unwrap(),
            "AAAA"
        );
        assert_eq!(
            saml_response("<!-- x --!><input name=\"SAMLResponse\" value=\"AAAA\">").unwrap(),
            "AAAA"
        );
    }

    #[test]
    fn inputs_inside_scripts_textareas_and_templates_are_not_submitted() {
        for wrapper in ["script", "textarea", "template", "noscript", "title"] {
            let html = format!(
                "<{wrapper}><input name=\"SAMLResponse\" value=\"DECOY\"></{wrapper}>{FORM}"
            );
            assert_eq!(saml_response(&html).unwrap(), "UkVBTA==", "{wrapper}");
        }
    }

    #[test]
    fn a_page_with_two_responses_is_ambiguous() {
        assert_eq!(
            saml_response(&format!("{FORM}{FORM}")),
            Err(Rejection::DuplicateFormField {
                field: "SAMLResponse"
            })
        );
        assert_eq!(
            saml_response("<p>no form</p>"),
            Err(Rejection::MissingSamlResponse)
        );
    }

    #[test]
    fn quoted_values_may_hold_angle_brackets_and_names_must_match_exactly() {
        let html = "<input title=\"a>b\" name=\"SAMLResponse\" value=\"QQ==\"><input xname=\"SAMLResponse\" value=\"B\">";
        assert_eq!(saml_response(html).unwrap(), "QQ==");
    }
}
