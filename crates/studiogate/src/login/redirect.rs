//! Where a login may send the browser.

/// A URL the browser may be sent to: https (the URL is a bearer token; plain http only to this
/// machine, where the local stack serves), nothing a header cannot carry.
pub(super) fn is_redirect_url(url: &str) -> bool {
    (url.starts_with("https://") || is_loopback_http(url))
        && url.len() <= 8192
        && url.bytes().all(|b| b.is_ascii_graphic())
}

/// `http://` to `localhost`, a `*.localhost` name (RFC 6761: loopback), `127.0.0.1` or `[::1]`.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Host and port characters only: no user part (`localhost@elsewhere` names elsewhere), no `\`
    // (a browser reads it as `/`: `elsewhere\.localhost`).
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if !authority.chars().all(plain) {
        return false;
    }
    if let Some(port) = authority.strip_prefix("[::1]") {
        return port.is_empty() || port.starts_with(':');
    }
    let host = authority.split(':').next().unwrap_or_default();
    host == "localhost" || host.ends_with(".localhost") || host == "127.0.0.1"
}
