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
    key_in_bytes(&key_elements(bytes).0, key)
}

/// How many `autorisatiesleutel` contents [`key_elements`] hands back: a UWLR request has
/// one; the content of every further one is replaced all the same.
pub const MAX_KEY_ELEMENTS: usize = 4;

/// A SOAP request with the content of every `autorisatiesleutel` start tag (any prefix) up to
/// its end tag replaced, and the contents as they stood (the first [`MAX_KEY_ELEMENTS`]), so
/// that a server, which knows no key beforehand, can mask their echoes too ([`key_forms`]).
/// A CDATA section is replaced whole, `</` inside it included; a start tag that nothing
/// closes loses everything after it. Linear in the input whatever it holds.
pub fn key_elements(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let name = b"autorisatiesleutel";
    let mut out = Vec::with_capacity(bytes.len());
    let mut contents = Vec::new();
    let mut i = 0;
    // Once a search for `]]>` found nothing, no later one can: remembered, so that many CDATA
    // sections without an end cost one scan, not one each.
    let mut cdata_ends = true;
    while let Some(p) = find(&bytes[i..], name) {
        let at = i + p;
        let after = at + name.len();
        let Some(tag_end) = start_tag_end(bytes, i, at, after) else {
            out.extend_from_slice(&bytes[i..after]);
            i = after;
            continue;
        };
        out.extend_from_slice(&bytes[i..tag_end]);
        i = tag_end;
        if bytes[..tag_end].ends_with(b"/>") {
            continue; // `<autorisatiesleutel/>`: no content
        }
        let rest = &bytes[i..];
        let mut from = 0;
        if rest.starts_with(b"<![CDATA[") && cdata_ends {
            match find(rest, b"]]>") {
                Some(e) => from = e + 3,
                None => cdata_ends = false,
            }
        }
        let end = find(&rest[from..], b"</").map_or(rest.len(), |c| from + c);
        if contents.len() < MAX_KEY_ELEMENTS {
            contents.push(rest[..end].to_vec());
        }
        out.extend_from_slice(REDACTED.as_bytes());
        i += end;
    }
    out.extend_from_slice(&bytes[i..]);
    (out, contents)
}

/// Where the start tag whose name (`autorisatiesleutel`, after an optional prefix) sits at
/// `at..after` ends (just past its `>`), or `None` when that is no start tag: an end tag,
/// text, another name. Looks back no further than `from` (the end of what was handled
/// before) and forward to the tag's `>`, so every byte is looked at a bounded number of times.
fn start_tag_end(bytes: &[u8], from: usize, at: usize, after: usize) -> Option<usize> {
    let mut lt = at;
    if lt > from && bytes[lt - 1] == b':' {
        lt -= 1;
        while lt > from && !b"<>/:\"' \t\r\n".contains(&bytes[lt - 1]) {
            lt -= 1;
        }
    }
    if lt == from || bytes[lt - 1] != b'<' {
        return None;
    }
    match bytes.get(after) {
        Some(b'>') => Some(after + 1),
        // Attributes: to the tag's `>`; with none at all, everything after is taken for the
        // tag (and masked with it), which also ends the search.
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'/') => {
            Some(find(&bytes[after..], b">").map_or(bytes.len(), |g| after + g + 1))
        }
        _ => None,
    }
}

/// The texts a key taken from an element's content ([`key_elements`]) may be echoed as: the
/// content as written, a CDATA section's inside, the text unescaped, and that trimmed (what
/// a decoder reads). Empty ones and repeats left out; [`key_in_bytes`] adds the escaped forms.
pub fn key_forms(content: &[u8]) -> Vec<String> {
    let Ok(raw) = std::str::from_utf8(content) else { return Vec::new() };
    let mut forms = vec![raw.to_string()];
    let inner = raw.trim().strip_prefix("<![CDATA[").and_then(|r| r.strip_suffix("]]>"));
    match inner {
        Some(inner) => forms.push(inner.to_string()),
        None => {
            if let Ok(text) = quick_xml::escape::unescape(raw) {
                forms.push(text.into_owned());
            }
        }
    }
    let trimmed: Vec<String> = forms.iter().map(|f| f.trim().to_string()).collect();
    forms.extend(trimmed);
    let mut kept: Vec<String> = Vec::new();
    for f in forms {
        if !f.is_empty() && !kept.contains(&f) {
            kept.push(f);
        }
    }
    kept
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
    fn key_elements_hand_back_each_content_and_stay_whole_with_cdata_and_no_end() {
        let (out, keys) = key_elements(b"<h><a:autorisatiesleutel><![CDATA[k</x]]></a:autorisatiesleutel></h>");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<h><a:autorisatiesleutel>***REDACTED***</a:autorisatiesleutel></h>"
        );
        assert_eq!(keys, [b"<![CDATA[k</x]]>".to_vec()]);
        assert_eq!(key_forms(&keys[0]), ["<![CDATA[k</x]]>", "k</x"]);
        // Nothing closes it: everything after goes.
        let (out, keys) = key_elements(b"<autorisatiesleutel>secret and more");
        assert_eq!(out, b"<autorisatiesleutel>***REDACTED***");
        assert_eq!(keys, [b"secret and more".to_vec()]);
        // The name as text, or in another name, or an empty element: left alone.
        for text in [&b"<x>autorisatiesleutel></x>"[..], b"<autorisatiesleutelx>k</x>", b"<a/autorisatiesleutel>k"] {
            assert_eq!(key_elements(text), (text.to_vec(), vec![]));
        }
        assert_eq!(key_elements(b"<autorisatiesleutel/>k").1.len(), 0);
        // Attributes (a namespace declared on the element, as .NET writes it).
        let (out, keys) = key_elements(b"<a:autorisatiesleutel xmlns:a=\"u\">k</a:autorisatiesleutel>");
        assert_eq!(out, b"<a:autorisatiesleutel xmlns:a=\"u\">***REDACTED***</a:autorisatiesleutel>");
        assert_eq!(keys, [b"k".to_vec()]);
        assert_eq!(key_forms(b" k&amp;e "), [" k&amp;e ", " k&e ", "k&amp;e", "k&e"]);
        assert!(key_forms(b"").is_empty());
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
