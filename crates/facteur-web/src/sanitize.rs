//! A message's HTML made safe to show: an allowlist of elements and attributes (ammonia, over html5ever, the
//! parser browsers follow), links that open outside the webmail, and nothing loaded from elsewhere unless
//! the user asked for remote images.
//!
//! The result is shown in an iframe that is sandboxed (no scripts, an opaque origin) under a CSP that allows
//! no script and images only from `data:`: the sanitiser is the first wall, not the only one. It must hold
//! on its own all the same, because a message can be forwarded, saved or opened elsewhere.
//!
//! What goes, and why:
//! - scripts, event handlers, `javascript:`/`vbscript:`/`data:` links: code, whatever the sandbox says;
//! - forms, `<base>`, `<meta>`, `<link>`, frames, objects, SVG and MathML: they submit, redirect, load or
//!   change how the rest parses (SVG and MathML are where mutation XSS lives);
//! - `<style>` elements: ammonia cannot filter a stylesheet's text, and the `@import`s and `url()`s in it
//!   would load remote content. Style attributes stay, filtered (`css.rs`); mail is written with inline
//!   styles anyway, because many clients drop `<style>`;
//! - remote images (`src`, `srcset`, CSS `url()`): they tell the sender when and where the message is read.
//!   `cid:` images become `data:` URIs of the message's own parts.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ammonia::{Builder, Url, UrlRelative};

use crate::css;

/// Whether images from elsewhere may load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteImages {
    Blocked,
    Allowed,
}

/// The images a message carries as its own parts, by `Content-ID`, as `data:` URIs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InlineImages {
    by_content_id: HashMap<String, String>,
}

/// Image types shown inline: the raster formats every browser decodes. SVG is left out: as an `<img>` it
/// runs no script, but it is a document format with a long history of parser surprises.
pub const INLINE_IMAGE_TYPES: [&str; 7] =
    ["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif", "image/x-icon"];

impl InlineImages {
    /// Adds a part; refused (false) if its type is not one of [`INLINE_IMAGE_TYPES`].
    pub fn insert(&mut self, content_id: &str, content_type: &str, bytes: &[u8]) -> bool {
        use base64::Engine;
        let content_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if !INLINE_IMAGE_TYPES.contains(&content_type.as_str()) {
            return false;
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.by_content_id.insert(normalise_content_id(content_id), format!("data:{content_type};base64,{encoded}"));
        true
    }

    /// The `data:` URI for a `cid:` URL (RFC 2392: the Content-ID without angle brackets, percent-encoded).
    fn resolve(&self, cid_url: &Url) -> Option<&str> {
        let content_id = percent_decode(cid_url.path())?;
        self.by_content_id.get(&normalise_content_id(&content_id)).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_content_id.is_empty()
    }
}

/// Content-IDs compared without angle brackets and case: senders are not consistent about either.
fn normalise_content_id(content_id: &str) -> String {
    content_id.trim().trim_start_matches('<').trim_end_matches('>').to_lowercase()
}

/// The elements kept: text structure, tables (most mail is laid out with them), images and links.
pub const ALLOWED_TAGS: [&str; 70] = [
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
];

/// Removed with everything inside them, rather than unwrapped: their content is code, or text that was
/// never meant to be read (a `<title>`, a `<noscript>` fallback), or markup that parses differently inside.
const REMOVED_WITH_CONTENT: [&str; 19] = [
    "script",
    "style",
    "template",
    "title",
    "textarea",
    "select",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "noembed",
    "noframes",
    "xmp",
    "plaintext",
    "svg",
    "math",
];

/// Attributes any kept element may have. `style` is filtered; none of these is a URL.
const GENERIC_ATTRIBUTES: [&str; 12] =
    ["style", "title", "lang", "dir", "align", "valign", "width", "height", "bgcolor", "color", "border", "hidden"];

/// Attributes particular elements may have besides the generic ones. Only `href` and `src` are URLs, and
/// the filter decides on each.
const TAG_ATTRIBUTES: [(&str, &[&str]); 14] = [
    ("a", &["href", "hreflang", "name"]),
    ("area", &["href", "alt", "coords", "shape"]),
    ("img", &["src", "alt", "hspace", "vspace"]),
    ("font", &["face", "size"]),
    ("table", &["cellpadding", "cellspacing", "summary", "frame", "rules"]),
    ("td", &["colspan", "rowspan", "nowrap", "headers", "abbr", "scope"]),
    ("th", &["colspan", "rowspan", "nowrap", "headers", "abbr", "scope"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("ol", &["start", "type", "reversed"]),
    ("ul", &["type"]),
    ("li", &["value", "type"]),
    ("map", &["name"]),
    ("details", &["open"]),
];

/// Where a link may lead.
const LINK_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// Schemes ammonia lets through to the attribute filter, which then decides per attribute: links get
/// [`LINK_SCHEMES`], images `cid:`, `data:` and (when allowed) http(s).
const SCHEMES_SEEN_BY_FILTER: [&str; 6] = ["http", "https", "mailto", "tel", "cid", "data"];

/// The sanitised HTML of `html`, a fragment to put inside a `<body>`.
pub fn sanitize_html(html: &str, remote: RemoteImages, inline: &InlineImages) -> String {
    let policy = Arc::new(UrlPolicy { remote, inline: inline.clone() });
    let tag_attributes: HashMap<&str, HashSet<&str>> =
        TAG_ATTRIBUTES.iter().map(|(tag, attributes)| (*tag, attributes.iter().copied().collect())).collect();
    let mut builder = Builder::empty();
    builder
        .tags(ALLOWED_TAGS.into_iter().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.into_iter().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.into_iter().collect())
        .tag_attributes(tag_attributes)
        .url_schemes(SCHEMES_SEEN_BY_FILTER.into_iter().collect())
        // A relative link would resolve against the webmail's own origin: never what the sender meant.
        .url_relative(UrlRelative::Deny)
        // The opened page learns nothing of the webmail (no `window.opener`, no Referer).
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .set_tag_attribute_value("area", "target", "_blank")
        .set_tag_attribute_value("area", "rel", "noopener noreferrer")
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| policy.filter(element, attribute, value));
    builder.clean(html).to_string()
}

/// The per-message decisions on URLs, shared by the attribute filter and the CSS filter.
struct UrlPolicy {
    remote: RemoteImages,
    inline: InlineImages,
}

impl UrlPolicy {
    fn filter<'a>(&self, element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
        match attribute {
            "href" => self.link(value).map(Cow::Owned),
            "src" if element == "img" => self.image(value).map(Cow::Owned),
            "src" => None,
            "style" => {
                let filtered = css::filter_style_attribute(value, &|url| self.image(url));
                (!filtered.is_empty()).then_some(Cow::Owned(filtered))
            }
            _ => Some(Cow::Borrowed(value)),
        }
    }

    /// A link's target, if it may be one.
    fn link(&self, value: &str) -> Option<String> {
        let url = Url::parse(value).ok()?;
        LINK_SCHEMES.contains(&url.scheme()).then(|| url.to_string())
    }

    /// What an image reference becomes: the `data:` URI of an inline part, a `data:` image as it is, a remote
    /// URL if remote images are allowed; anything else is dropped.
    fn image(&self, value: &str) -> Option<String> {
        let url = Url::parse(value).ok()?;
        match url.scheme() {
            "cid" => self.inline.resolve(&url).map(str::to_owned),
            "data" => is_inline_image_data(&url).then(|| url.to_string()),
            "http" | "https" if self.remote == RemoteImages::Allowed => Some(url.to_string()),
            _ => None,
        }
    }
}

/// Whether a `data:` URL holds one of [`INLINE_IMAGE_TYPES`].
fn is_inline_image_data(url: &Url) -> bool {
    let media_type = url.path().split([';', ',']).next().unwrap_or_default().trim().to_ascii_lowercase();
    INLINE_IMAGE_TYPES.contains(&media_type.as_str())
}

/// RFC 3986 percent-decoding of a `cid:` URL's path; `None` if it is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = bytes.get(at + 1..at + 3).filter(|hex| hex.iter().all(u8::is_ascii_hexdigit));
        let escaped = escaped.and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (bytes[at], escaped) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
#[path = "sanitize_tests.rs"]
mod tests;
