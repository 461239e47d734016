//! The pages a person sees: the chooser and the error pages. Plain, accessible HTML with one
//! stylesheet (allowed by its hash in the CSP), no script, the request ID, and no internal detail.

use crate::copy::{self, ErrorPage};
use crate::login::ChooserPage;
use std::fmt::Write as _;

/// The one stylesheet; the CSP allows exactly this text by its SHA-256.
pub const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#59636e;--bg:#f4f6f8;--card:#fff;--line:#d1d9e0;--accent:#0b5cad;--accent-fg:#fff}\
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#151b23;--line:#3d444d;--accent:#4493f8;--accent-fg:#0d1117}}\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
main{width:min(34rem,calc(100% - 2rem));background:var(--card);border:1px solid var(--line);border-radius:12px;padding:2rem 2rem 1.5rem;margin:2rem 0}\
.brand{margin:0 0 1.25rem;font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}\
h1{margin:0 0 .75rem;font-size:1.45rem;line-height:1.3}\
p{margin:0 0 1rem}\
ul{list-style:none;margin:1.25rem 0;padding:0;display:grid;gap:.75rem}\
button{width:100%;text-align:left;font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.85rem 1rem;cursor:pointer}\
button:hover{border-color:var(--accent)}\
button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}\
.target{display:block;font-weight:600}\
.role{display:block;color:var(--muted);font-size:.92rem}\
.hint{color:var(--muted)}\
footer{margin-top:1.5rem;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted);font-size:.82rem}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;word-break:break-all}";

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn document(title: &str, content: &str, request_id: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{title} · studiogate</title><style>{STYLE}</style></head>\
<body><main><p class=\"brand\">studiogate</p>{content}\
<footer>Request ID: <code id=\"request-id\">{request_id}</code></footer></main></body></html>\n",
        title = escape(title),
        request_id = escape(request_id),
    )
}

/// An error page; `message` replaces the default explanation (it must be safe to show).
pub fn error_page(kind: ErrorPage, message: Option<&str>, request_id: &str) -> String {
    let (heading, default) = kind.text();
    let content = format!(
        "<h1>{}</h1><p id=\"message\">{}</p>",
        escape(heading),
        escape(message.unwrap_or(default))
    );
    document(heading, &content, request_id)
}

/// The chooser: one form posting the same SAMLResponse back with the user's choice.
pub fn chooser_page(page: &ChooserPage, request_id: &str) -> String {
    let first_target = page.options.first().map(|o| o.target.as_str());
    let several_targets = page
        .options
        .iter()
        .any(|o| Some(o.target.as_str()) != first_target);
    let heading = if several_targets {
        copy::CHOOSE_WORKSPACE
    } else {
        copy::CHOOSE_ROLE
    };
    let mut content = format!(
        "<h1>{heading}</h1><p>Signed in as <strong>{}</strong>. {}</p>\
         <form method=\"post\" action=\"acs\">\
         <input type=\"hidden\" name=\"SAMLResponse\" value=\"{}\">",
        escape(&page.user),
        escape(copy::CHOOSER_EXPLANATION),
        escape(&page.saml_response),
    );
    if let Some(relay_state) = &page.relay_state {
        let _ = write!(
            content,
            "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">",
            escape(relay_state)
        );
    }
    content.push_str("<ul>");
    for option in &page.options {
        let _ = write!(
            content,
            "<li><button type=\"submit\" name=\"choice\" value=\"{value}\">\
             <span class=\"target\">{target}</span>\
             <span class=\"role\">as {role} · account {account}</span></button></li>",
            value = escape(&option.choice_value()),
            target = escape(&option.display_name),
            role = escape(option.role_name()),
            account = escape(option.account()),
        );
    }
    let _ = write!(
        content,
        "</ul></form><p class=\"hint\">{}</p>",
        escape(copy::CHOOSER_HINT)
    );
    document(heading, &content, request_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::LoginOption;
    use studiogate_saml::aws::RolePair;

    fn option(target: &str, role: &str) -> LoginOption {
        LoginOption {
            target: target.into(),
            display_name: format!("{target} <Studio>"),
            role: RolePair {
                role_arn: format!("arn:aws:iam::123456789012:role/{role}"),
                provider_arn: "arn:aws:iam::123456789012:saml-provider/Idp".into(),
            },
        }
    }

    #[test]
    fn escapes_everything_that_could_break_out_of_text_or_an_attribute() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn error_pages_name_the_problem_and_carry_the_request_id_only() {
        let html = error_page(ErrorPage::Expired, None, "req-<1>");
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<h1>This sign-in has expired</h1>"));
        assert!(html.contains("<code id=\"request-id\">req-&lt;1&gt;</code>"));
        assert!(!html.contains("<script"));
        let custom = error_page(
            ErrorPage::NotEntitled,
            Some("Your role <x> is not allowed."),
            "r",
        );
        assert!(custom.contains("Your role &lt;x&gt; is not allowed."));
    }

    #[test]
    fn chooser_posts_the_same_response_back_with_one_button_per_option() {
        let page = ChooserPage {
            saml_response: "PHNhbWxwOlJlc3BvbnNlLz4=".into(),
            relay_state: Some("ml".into()),
            user: "alice".into(),
            options: vec![option("ml", "StudioUser"), option("ml", "StudioAdmin")],
        };
        let html = chooser_page(&page, "req-1");
        assert!(html.contains("<h1>Choose a role</h1>"));
        assert!(html.contains("<form method=\"post\" action=\"acs\">"));
        assert!(html.contains(
            "<input type=\"hidden\" name=\"SAMLResponse\" value=\"PHNhbWxwOlJlc3BvbnNlLz4=\">"
        ));
        assert!(html.contains("<input type=\"hidden\" name=\"RelayState\" value=\"ml\">"));
        assert_eq!(
            html.matches("<button type=\"submit\" name=\"choice\"")
                .count(),
            2
        );
        assert!(html.contains("value=\"ml arn:aws:iam::123456789012:role/StudioAdmin\""));
        assert!(html.contains("ml &lt;Studio&gt;"));
        assert!(html.contains("as StudioAdmin · account 123456789012"));
        let mixed = ChooserPage {
            relay_state: None,
            options: vec![option("ml", "StudioUser"), option("emr", "StudioUser")],
            ..page
        };
        let html = chooser_page(&mixed, "req-2");
        assert!(html.contains("<h1>Choose a workspace</h1>"));
        assert!(!html.contains("name=\"RelayState\""));
    }
}
