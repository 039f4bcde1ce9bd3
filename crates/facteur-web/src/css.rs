//! The `style` attribute of a message's elements, filtered: declarations are tokenised as a browser tokenises
//! them (cssparser, CSS Syntax Level 3), so escapes and comments cannot hide a `url(`; every URL goes through
//! the message's image policy; functions outside a list of harmless ones drop their declaration.
//!
//! What this stops is loading, not running: no current browser runs script from CSS. A remote
//! `background: url(…)` or `image-set(…)` would tell the sender the message was opened, so a URL the policy
//! refuses drops its whole declaration, and functions that take URLs we do not vet (`image-set`, `image`,
//! `cross-fade`, `src`, …) are simply not on the list.
//!
//! The output is re-serialised from tokens, never copied from the input, and a declaration whose
//! serialisation needs a backslash escape is dropped: what is left reads the same to any CSS parser.

use crate::audit::FORBIDDEN_IN_STYLE;
use cssparser::{
    Delimiter, ParseError, Parser, ToCss, Token, TokenSerializationType, serialize_identifier, serialize_string,
};

/// Functions kept in a value: colours, arithmetic, gradients, transforms, filters, fonts. None loads anything.
const HARMLESS_FUNCTIONS: [&str; 56] = [
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    "color-mix",
    "calc",
    "min",
    "max",
    "clamp",
    "var",
    "linear-gradient",
    "radial-gradient",
    "conic-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
    "repeating-conic-gradient",
    "translate",
    "translatex",
    "translatey",
    "translate3d",
    "rotate",
    "rotatex",
    "rotatey",
    "rotatez",
    "scale",
    "scalex",
    "scaley",
    "skew",
    "skewx",
    "skewy",
    "matrix",
    "perspective",
    "blur",
    "brightness",
    "contrast",
    "drop-shadow",
    "grayscale",
    "hue-rotate",
    "invert",
    "opacity",
    "saturate",
    "sepia",
    "cubic-bezier",
    "steps",
    "minmax",
    "repeat",
    "fit-content",
    "rect",
    "inset",
    "counter",
];

/// Properties that bind behaviour to an element in old engines (IE's `behavior`, Gecko's XBL binding).
const REFUSED_PROPERTIES: [&str; 2] = ["behavior", "-moz-binding"];

/// Nested parentheses followed at most this deep: real styles nest two or three.
const MAX_NESTING: usize = 8;

/// Why a declaration is dropped. Only ever means "leave it out".
type Refused = ParseError<()>;

fn refused() -> Refused {
    ParseError::custom(())
}

/// The declarations of `style` that survive, as `name:value;name:value`. `image` decides what each URL
/// becomes (`None` drops the declaration).
pub fn filter_style_attribute(style: &str, image: &dyn Fn(&str) -> Option<String>) -> String {
    let mut parser = Parser::new(style);
    let mut kept = Vec::new();
    while !parser.is_exhausted() {
        let declaration = parser.parse_until_after(Delimiter::Semicolon, |p| declaration(p, image));
        if let Ok(Some(declaration)) = declaration {
            kept.push(declaration);
        }
    }
    kept.join(";")
}

/// One `name: value`, filtered; `Ok(None)` for an empty one.
fn declaration(parser: &mut Parser<'_>, image: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, Refused> {
    let name = parser.expect_ident_cloned()?.to_ascii_lowercase();
    parser.expect_colon()?;
    if REFUSED_PROPERTIES.contains(&name.as_str()) {
        return Err(refused());
    }
    let mut value = Written::new();
    filter_value(parser, image, &mut value, 0)?;
    let urls_written = value.urls;
    let value = value.text.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let mut serialised = String::new();
    serialize_identifier(&name, &mut serialised).map_err(|_| refused())?;
    serialised.push(':');
    serialised.push_str(value);
    let lowercase = serialised.to_ascii_lowercase();
    if serialised.contains('\\')
        || FORBIDDEN_IN_STYLE.iter().any(|forbidden| lowercase.contains(forbidden))
        || lowercase.matches("url(").count() != urls_written
    {
        return Err(refused());
    }
    Ok(Some(serialised))
}

/// Serialised tokens, with a space wherever two of them written side by side would read as another token
/// (an identifier and a parenthesis block become a function: `url/**/(…)` must not come out as `url(…)`).
struct Written {
    text: String,
    last: TokenSerializationType,
    /// How many `url(…)` we wrote: any other `url(` in the text (a hash `#url` before a parenthesis, say)
    /// refuses the declaration, so that text-level checks find `url(` only where a vetted URL follows.
    urls: usize,
}

impl Written {
    fn new() -> Written {
        Written { text: String::new(), last: TokenSerializationType::Nothing, urls: 0 }
    }

    fn separate_from(&mut self, next: TokenSerializationType) {
        if self.last.needs_separator_when_before(next) {
            self.text.push(' ');
        }
        self.last = next;
    }

    fn token(&mut self, token: &Token<'_>) -> Result<(), Refused> {
        self.separate_from(token.serialization_type());
        token.to_css(&mut self.text).map_err(|_| refused())
    }

    fn whitespace(&mut self) {
        self.text.push(' ');
        self.last = TokenSerializationType::WhiteSpace;
    }

    /// `name(`, or `(` for an empty name; the block's tokens follow, then [`Written::close`].
    fn open(&mut self, function: &str) -> Result<(), Refused> {
        if function.is_empty() {
            self.separate_from(Token::ParenthesisBlock.serialization_type());
            self.text.push('(');
        } else {
            self.separate_from(TokenSerializationType::Function);
            serialize_identifier(function, &mut self.text).map_err(|_| refused())?;
            self.text.push('(');
        }
        self.last = TokenSerializationType::OpenParen;
        Ok(())
    }

    fn close(&mut self) {
        self.text.push(')');
        self.last = TokenSerializationType::Other;
    }

    /// `url("…")` for a URL the policy kept; the declaration is refused otherwise.
    fn url(&mut self, url: Option<String>) -> Result<(), Refused> {
        let Some(url) = url else { return Err(refused()) };
        self.open("url")?;
        self.urls += 1;
        serialize_string(&url, &mut self.text).map_err(|_| refused())?;
        self.close();
        Ok(())
    }
}

/// Writes the tokens of a value (or of a block inside it) that may stay; refuses the declaration otherwise.
fn filter_value(
    parser: &mut Parser<'_>,
    image: &dyn Fn(&str) -> Option<String>,
    out: &mut Written,
    depth: usize,
) -> Result<(), Refused> {
    if depth > MAX_NESTING {
        return Err(refused());
    }
    loop {
        let token = match parser.next_including_whitespace() {
            Ok(token) => token.clone(),
            Err(_) => return Ok(()),
        };
        match token {
            Token::WhiteSpace(_) => out.whitespace(),
            // A string that reads like a url() is refused too: the audit, which reads text and not tokens,
            // must find `url(` only where we wrote one.
            Token::QuotedString(text) if text.to_ascii_lowercase().contains("url(") => return Err(refused()),
            Token::Ident(_)
            | Token::Number { .. }
            | Token::Percentage { .. }
            | Token::Dimension { .. }
            | Token::Hash(_)
            | Token::IDHash(_)
            | Token::QuotedString(_)
            | Token::Comma
            | Token::Delim('!' | '/' | '+' | '-' | '*' | '%' | '.' | '#') => out.token(&token)?,
            Token::UnquotedUrl(url) => out.url(image(&url))?,
            Token::Function(name) if name.eq_ignore_ascii_case("url") => {
                let url = parser.parse_nested_block(|p| {
                    let url = p.expect_string_cloned()?;
                    p.expect_exhausted()?;
                    Ok(url)
                })?;
                out.url(image(&url))?;
            }
            Token::Function(name) if HARMLESS_FUNCTIONS.contains(&name.to_ascii_lowercase().as_str()) => {
                out.open(&name.to_ascii_lowercase())?;
                parser.parse_nested_block(|p| filter_value(p, image, out, depth + 1))?;
                out.close();
            }
            Token::ParenthesisBlock => {
                out.open("")?;
                parser.parse_nested_block(|p| filter_value(p, image, out, depth + 1))?;
                out.close();
            }
            // Other functions, at-keywords, `{}` and `[]` blocks, bad strings and URLs, `<!--`, stray closers.
            _ => return Err(refused()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_only(url: &str) -> Option<String> {
        url.starts_with("data:image/png").then(|| url.to_owned())
    }

    fn filtered(style: &str) -> String {
        filter_style_attribute(style, &data_only)
    }

    #[test]
    fn ordinary_declarations_are_kept_and_normalised() {
        assert_eq!(filtered("COLOR: red; font-size:12px"), "color:red;font-size:12px");
        assert_eq!(filtered("margin: 0 auto !important"), "margin:0 auto !important");
        assert_eq!(filtered("color: rgb(1, 2, 3)"), "color:rgb(1, 2, 3)");
        assert_eq!(filtered("font-family: 'Helvetica Neue', Arial"), "font-family:\"Helvetica Neue\", Arial");
        assert_eq!(filtered("width: calc(100% - (2 * 4px))"), "width:calc(100% - (2 * 4px))");
    }

    #[test]
    fn remote_urls_drop_their_declaration_however_written() {
        for style in [
            "background: url(http://evil.test/a.png)",
            "background: url('http://evil.test/a.png')",
            "background: u\\72l(http://evil.test/a.png)",
            "background: URL(http://evil.test/a.png)",
            "background: url/**/(http://evil.test/a.png)",
            "background-image: image-set('http://evil.test/a.png' 1x)",
            "background-image: -webkit-image-set(url(http://evil.test/a.png) 1x)",
            "list-style: src('http://evil.test/a.png')",
            "width: expression(alert(1))",
            "behavior: url(x.htc)",
            "-moz-binding: url(http://evil.test/x.xml#x)",
            "color: red; @import 'http://evil.test/x.css'",
            "width: calc(0javascript:99% - 1px)",
            "font-family: 'javascript:alert(1)'",
            "content: 'background:url(http://evil.test/a.png)'",
            "b: #u\\72l(http://evil.test/a.png)",
        ] {
            let out = filtered(style).to_lowercase();
            let loads = ["url(", "image-set(", "src(", "expression(", "@import", "htc", "javascript"];
            assert!(!loads.iter().any(|l| out.contains(l)), "{style} -> {out}");
        }
        assert_eq!(filtered("color: red; background: url(http://evil.test/a.png); margin: 0"), "color:red;margin:0");
    }

    #[test]
    fn urls_the_policy_keeps_are_written_quoted() {
        assert_eq!(
            filtered("background:url(data:image/png;base64,AAAA)"),
            "background:url(\"data:image/png;base64,AAAA\")"
        );
    }

    #[test]
    fn escapes_that_would_survive_drop_the_declaration() {
        assert_eq!(filtered("content: '\\a'; color: red"), "color:red");
        assert_eq!(filtered("font-family: \\31 abc"), "");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion_trouble() {
        let deep = format!("width: {}1px{}", "calc(".repeat(5000), ")".repeat(5000));
        assert_eq!(filtered(&format!("{deep}; color: red")), "color:red");
    }

    #[test]
    fn broken_declarations_are_skipped() {
        assert_eq!(filtered("color; : red; color: blue"), "color:blue");
        assert_eq!(filtered("color: 'unterminated\n; color: blue"), "color:blue");
        assert_eq!(filtered("}{color: blue"), "");
    }
}
