//! Secrets taken out of text before it is shown, logged, captured or reported: an
//! authorization key wherever it occurs (raw or XML-escaped, as a LAS may echo it), the
//! content of every `autorisatiesleutel` element, and the password of a URL. One module, so
//! every place that shows something a secret may sit in hides it the same way.
//!
//! Secret values themselves (`vault::Secret`, the admin token) never print at all: their
//! `Debug` and `Display` say `[redacted]`; this module is for text that merely contains one.

/// What stands where a secret was.
pub const REDACTED: &str = "***REDACTED***";

/// `text` with every occurrence of `key` replaced, raw or XML-escaped (in element content or
/// an attribute). An empty key leaves the text as it is; a very short key makes the text
/// hard to read, never leaky.
pub fn key_in_text(text: &str, key: &str) -> String {
    // Replacing valid UTF-8 with ASCII keeps it valid: the lossy path is never taken.
    String::from_utf8_lossy(&key_in_bytes(text.as_bytes(), key)).into_owned()
}

/// [`key_in_text`] over bytes (a captured HTTP body, which need not be UTF-8).
pub fn key_in_bytes(bytes: &[u8], key: &str) -> Vec<u8> {
    if key.is_empty() {
        return bytes.to_vec();
    }
    let text = key.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let attribute = text.replace('"', "&quot;").replace('\'', "&apos;");
    let mut out = replace_all(bytes, key.as_bytes());
    for form in [text.as_str(), attribute.as_str()] {
        if form != key {
            out = replace_all(&out, form.as_bytes());
        }
    }
    out
}

/// A SOAP request with the content of every `autorisatiesleutel` element replaced (any
/// prefix), and every other occurrence of `key` too.
pub fn key_in_request(bytes: &[u8], key: &str) -> Vec<u8> {
    let open = b"autorisatiesleutel>";
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(p) = find(&bytes[i..], open) {
        let tag_end = i + p + open.len();
        // A start tag: `<autorisatiesleutel>` or `<x:autorisatiesleutel>`, not the end tag.
        let is_start =
            bytes[..i + p].iter().rposition(|&b| b == b'<').is_some_and(|lt| bytes.get(lt + 1) != Some(&b'/'));
        out.extend_from_slice(&bytes[i..tag_end]);
        i = tag_end;
        if is_start {
            if let Some(close) = find(&bytes[i..], b"</") {
                out.extend_from_slice(REDACTED.as_bytes());
                i += close;
            }
        }
    }
    out.extend_from_slice(&bytes[i..]);
    key_in_bytes(&out, key)
}

/// A URL with the password of `scheme://user:password@host...` replaced, for error
/// messages and `Display`. Everything from the first `:` after the user name to the last
/// `@` goes, so a password with an unescaped `@` or `/` is hidden too: when in doubt this
/// hides more than the password, never less.
pub fn url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.rfind('@') else {
        return url.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!("{}{}:{REDACTED}{}", &url[..scheme_end], &rest[..colon], &rest[at..]),
        None => url.to_owned(),
    }
}

fn replace_all(bytes: &[u8], needle: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut last = 0;
    // memmem's searcher is linear in the input whatever the key (a byte-window compare is
    // input × key at worst), and this runs over every captured answer of every fetch.
    for p in memchr::memmem::find_iter(bytes, needle) {
        out.extend_from_slice(&bytes[last..p]);
        out.extend_from_slice(REDACTED.as_bytes());
        last = p + needle.len();
    }
    out.extend_from_slice(&bytes[last..]);
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_goes_left_to_right() {
        let out = key_in_bytes(b"aaaaa-aa", "aa");
        assert_eq!(out, b"***REDACTED******REDACTED***a-***REDACTED***");
        assert_eq!(key_in_bytes(b"no key here", "sleutel"), b"no key here");
        assert_eq!(key_in_bytes(b"", "k"), b"");
    }

    #[test]
    fn a_request_loses_its_key_element_and_every_echo() {
        let req = b"<a:autorisatiesleutel>k&amp;ey</a:autorisatiesleutel><x>k&amp;ey</x>";
        let out = String::from_utf8(key_in_request(req, "k&ey")).unwrap();
        assert_eq!(out, "<a:autorisatiesleutel>***REDACTED***</a:autorisatiesleutel><x>***REDACTED***</x>");
        // The element is emptied even when the key given is not the one inside it.
        let out = String::from_utf8(key_in_request(b"<autorisatiesleutel>other</autorisatiesleutel>", "k")).unwrap();
        assert_eq!(out, "<autorisatiesleutel>***REDACTED***</autorisatiesleutel>");
    }

    #[test]
    fn a_key_goes_raw_and_escaped_in_text_and_attributes() {
        assert_eq!(key_in_text("fault: secret123 bad", "secret123"), "fault: ***REDACTED*** bad");
        assert_eq!(key_in_text("a<b a='k&apos;&lt;' k'<", "k'<"), "a<b a='***REDACTED***' ***REDACTED***");
        assert_eq!(key_in_text("te&lt;xt", "e<x"), "t***REDACTED***t");
        assert_eq!(key_in_text("unchanged", ""), "unchanged");
        assert_eq!(key_in_bytes(b"\xff abc \xfe", "abc"), b"\xff ***REDACTED*** \xfe");
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(url_password("postgres://u:secret@h:5432/db"), "postgres://u:***REDACTED***@h:5432/db");
        assert_eq!(url_password("smtp://u:p@ss/w@host:25"), "smtp://u:***REDACTED***@host:25");
        assert_eq!(url_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(url_password("sqlite:///x"), "sqlite:///x");
        assert_eq!(url_password("smtp://host:25"), "smtp://host:25");
        assert_eq!(url_password("no scheme:secret@host"), "no scheme:secret@host");
    }
}
