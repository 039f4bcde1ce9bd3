//! A second look at sanitised HTML, independent of ammonia: the text is read again the way a browser's
//! tokenizer reads it (HTML Living Standard §13.2.5, simplified to what the sanitiser may produce), and
//! every tag and attribute is checked against what the sanitiser promises.
//!
//! It is what the unit tests and the fuzz target assert, and it runs on every message the webmail shows:
//! if the sanitiser ever lets something through, the message is not shown as HTML rather than shown unsafe.

use crate::sanitize::{ALLOWED_TAGS, INLINE_IMAGE_TYPES, RemoteImages};

/// Something sanitised HTML must never contain, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at}")]
pub struct Hazard {
    pub what: String,
    pub at: usize,
}

/// Attributes the sanitiser writes or keeps; anything else on a tag is a hazard.
const KNOWN_ATTRIBUTES: [&str; 37] = [
    "style",
    "title",
    "lang",
    "dir",
    "align",
    "valign",
    "width",
    "height",
    "bgcolor",
    "color",
    "border",
    "hidden",
    "href",
    "hreflang",
    "name",
    "alt",
    "coords",
    "shape",
    "src",
    "hspace",
    "vspace",
    "face",
    "size",
    "cellpadding",
    "cellspacing",
    "summary",
    "frame",
    "rules",
    "colspan",
    "rowspan",
    "nowrap",
    "headers",
    "abbr",
    "scope",
    "span",
    "start",
    "type",
];
/// The rest of the known attributes (split only to keep the lists readable).
const KNOWN_ATTRIBUTES_MORE: [&str; 5] = ["reversed", "value", "open", "target", "rel"];

const LINK_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// Text no style attribute may contain, in any case: loaders and script in CSS, old and new. The CSS
/// filter drops a declaration that would contain one, so that a false alarm here never hides a message. */
pub const FORBIDDEN_IN_STYLE: [&str; 7] =
    ["expression(", "image-set(", "@import", "javascript:", "-moz-binding", "behavior", "src("];

/// The first hazard in `html`, sanitised under `remote`, if there is one.
pub fn find_hazard(html: &str, remote: RemoteImages) -> Option<Hazard> {
    let mut reader = Reader { text: html, at: 0 };
    while let Some(open) = reader.text[reader.at..].find('<') {
        reader.at += open;
        let start = reader.at;
        let hazard = match reader.text[start + 1..].chars().next() {
            Some(c) if c.is_ascii_alphabetic() => match reader.start_tag() {
                Ok(tag) => check_tag(&tag, remote),
                Err(unterminated) => Some(unterminated),
            },
            Some('/') => reader.end_tag(),
            _ => Some("a '<' that is not a tag (comment, doctype or unescaped text)".to_owned()),
        };
        if let Some(what) = hazard {
            return Some(Hazard { what, at: start });
        }
    }
    None
}

/// A start tag as a browser reads it: the name, then each attribute with its value (entities decoded).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.text[start..self.at].to_owned()
    }

    /// Reads `<name attr="value" …>`; `Err` text if the tag never ends or has an unknown entity.
    fn start_tag(&mut self) -> Result<Tag, String> {
        self.bump();
        let name = self.take_while(|c| !is_space(c) && c != '/' && c != '>').to_ascii_lowercase();
        let mut attributes = Vec::new();
        loop {
            self.take_while(|c| is_space(c) || c == '/');
            match self.peek() {
                None => return Err(format!("<{name}> never ends")),
                Some('>') => {
                    self.bump();
                    return Ok(Tag { name, attributes });
                }
                Some(_) => {}
            }
            let attribute = self.take_while(|c| !is_space(c) && c != '/' && c != '>' && c != '=');
            let attribute = attribute.to_ascii_lowercase();
            self.take_while(is_space);
            let mut value = String::new();
            if self.peek() == Some('=') {
                self.bump();
                self.take_while(is_space);
                value = match self.peek() {
                    Some(quote @ ('"' | '\'')) => {
                        self.bump();
                        let value = self.take_while(|c| c != quote);
                        self.bump();
                        value
                    }
                    _ => self.take_while(|c| !is_space(c) && c != '>'),
                };
            }
            match decode_entities(&value) {
                Some(value) => attributes.push((attribute, value)),
                None => return Err(format!("<{name} {attribute}> has an entity the serialiser never writes")),
            }
        }
    }

    /// Reads `</name>`.
    fn end_tag(&mut self) -> Option<String> {
        match self.text[self.at..].find('>') {
            Some(end) if self.text[self.at + 2..].starts_with(|c: char| c.is_ascii_alphabetic()) => {
                self.at += end + 1;
                None
            }
            _ => Some("a '</' that is not an end tag".to_owned()),
        }
    }
}

/// HTML's ASCII whitespace, which separates attributes.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')
}

fn check_tag(tag: &Tag, remote: RemoteImages) -> Option<String> {
    if !ALLOWED_TAGS.contains(&tag.name.as_str()) {
        return Some(format!("element <{}>", tag.name));
    }
    let value = |name: &str| tag.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    if matches!(tag.name.as_str(), "a" | "area")
        && (value("target") != Some("_blank") || value("rel") != Some("noopener noreferrer"))
    {
        return Some(format!("<{}> without target=_blank rel=\"noopener noreferrer\"", tag.name));
    }
    tag.attributes.iter().find_map(|(name, value)| check_attribute(&tag.name, name, value, remote))
}

fn check_attribute(tag: &str, name: &str, value: &str, remote: RemoteImages) -> Option<String> {
    let hazard = |why: &str| Some(format!("<{tag} {name}=\"{value}\">: {why}"));
    if name.starts_with("on") {
        return hazard("an event handler");
    }
    if !KNOWN_ATTRIBUTES.contains(&name) && !KNOWN_ATTRIBUTES_MORE.contains(&name) {
        return hazard("an attribute the sanitiser never keeps");
    }
    match name {
        "href" if !LINK_SCHEMES.contains(&split_scheme(value).0.as_str()) => {
            hazard("a link that is not http, https, mailto or tel")
        }
        "src" if tag != "img" => hazard("a source on something other than an image"),
        "src" if !is_allowed_image(value, remote) => hazard("an image source that is not allowed"),
        "style" => check_style(value, remote).and_then(|why| hazard(&why)),
        _ => None,
    }
}

/// A URL's scheme as a browser finds it (leading and trailing C0 controls and spaces stripped, tabs and
/// newlines removed anywhere: URL Standard, basic URL parser), lowercased, and what follows the colon.
/// The scheme is empty when there is none.
fn split_scheme(url: &str) -> (String, String) {
    let cleaned: String =
        url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    match cleaned.split_once(':') {
        Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => {
            (scheme.to_ascii_lowercase(), rest.to_owned())
        }
        _ => (String::new(), cleaned),
    }
}

fn is_allowed_image(url: &str, remote: RemoteImages) -> bool {
    let (scheme, rest) = split_scheme(url);
    match scheme.as_str() {
        "data" => {
            let media_type = rest.split([';', ',']).next().unwrap_or_default().trim().to_ascii_lowercase();
            INLINE_IMAGE_TYPES.contains(&media_type.as_str())
        }
        "http" | "https" => remote == RemoteImages::Allowed,
        _ => false,
    }
}

fn check_style(style: &str, remote: RemoteImages) -> Option<String> {
    let lower = style.to_ascii_lowercase();
    if lower.contains('\\') {
        return Some("a CSS escape".to_owned());
    }
    for loader in FORBIDDEN_IN_STYLE {
        if lower.contains(loader) {
            return Some(format!("CSS {loader}"));
        }
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start().trim_start_matches(['"', '\'']);
        let allowed = target.starts_with("data:image/")
            || (remote == RemoteImages::Allowed && (target.starts_with("http:") || target.starts_with("https:")));
        if !allowed {
            return Some("a CSS url() that is not allowed".to_owned());
        }
    }
    None
}

/// Character references as a browser decodes them in an attribute value, for the ones the serialiser
/// writes (`&amp;`, `&quot;`, `&nbsp;`, `&lt;`, `&gt;`, numeric). `None` for any other named reference:
/// the serialiser escapes every other `&`, so one would mean the output is not what we think.
fn decode_entities(value: &str) -> Option<String> {
    let mut decoded = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.find(';').filter(|&end| end <= 10);
        let Some(end) = end else {
            decoded.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let character = match name {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "nbsp" => Some('\u{a0}'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => numeric_reference(name),
        };
        decoded.push(character?);
        rest = &rest[end + 1..];
    }
    decoded.push_str(rest);
    Some(decoded)
}

fn numeric_reference(name: &str) -> Option<char> {
    let number = name.strip_prefix('#')?;
    let code = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse().ok()?,
    };
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hazard(html: &str) -> Option<String> {
        find_hazard(html, RemoteImages::Blocked).map(|h| h.what)
    }

    #[test]
    fn what_the_sanitiser_writes_passes() {
        let html = r#"<p style="color:red" title="&amp;?">Hi &lt;b&gt; <a href="https://example.test/?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">x</a><img src="data:image/png;base64,AA" alt="a"></p>"#;
        assert_eq!(hazard(html), None);
    }

    #[test]
    fn each_hazard_is_found() {
        for html in [
            "<script>alert(1)</script>",
            "<p onclick=\"x\">",
            "<a href=\"javascript:alert(1)\" rel=\"noopener noreferrer\" target=\"_blank\">",
            "<a href=\"java&#x09;script:alert(1)\" rel=\"noopener noreferrer\" target=\"_blank\">",
            "<a href=\"https://x.test\">no rel</a>",
            "<img src=\"http://evil.test/a.png\">",
            "<img src=\"data:image/svg+xml,<svg>\">",
            "<p style=\"background:url(http://evil.test)\">",
            "<p style=\"background:u\\72l(http://evil.test)\">",
            "<!-- comment -->",
            "<p title=x",
            "<iframe src=\"https://x.test\"></iframe>",
            "<p data-x=\"1\">",
            "<p title=\"&Tab;\">",
        ] {
            assert!(hazard(html).is_some(), "{html}");
        }
    }
}
