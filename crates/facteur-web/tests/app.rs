//! The app's files: types, caching, the security headers, and no inline script anywhere.

mod common;

use common::Web;

#[tokio::test]
async fn the_app_shell_is_served_under_the_strict_csp() {
    let web = Web::start().await;
    let shell = web.get("/", &[]).await;
    assert_eq!(shell.status, 200);
    assert_eq!(shell.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(shell.header("content-security-policy"), facteur_web::APP_CSP);
    for directive in ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
        assert!(shell.header("content-security-policy").contains(directive), "{directive}");
    }
    assert_eq!(shell.header("x-content-type-options"), "nosniff");
    assert_eq!(shell.header("referrer-policy"), "no-referrer");
    assert_eq!(shell.header("cache-control"), "no-cache");
    let html = shell.text();
    assert!(html.contains("<script type=\"module\" src=\"/assets/app.js\"></script>"), "{html}");
}

#[tokio::test]
async fn no_file_has_inline_script_or_inline_handlers() {
    let web = Web::start().await;
    for page in ["/", "/admin"] {
        let html = web.get(page, &[]).await.text().to_lowercase();
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty());
        for script in scripts {
            let (tag, rest) = script.split_once('>').unwrap();
            assert!(tag.contains(" src="), "inline script in {page}: <script{tag}>");
            assert!(rest.trim_start().starts_with("</script>"), "a script with a src has no body");
        }
        for attribute in [" onclick=", " onload=", " onerror=", " onsubmit=", " style=", "javascript:"] {
            assert!(!html.contains(attribute), "{attribute} in {page}");
        }
    }
}

#[tokio::test]
async fn assets_are_served_with_their_types_and_revalidated_by_etag() {
    let web = Web::start().await;
    for (path, content_type) in [
        ("/assets/app.js", "text/javascript; charset=utf-8"),
        ("/assets/jmap.js", "text/javascript; charset=utf-8"),
        ("/assets/app.css", "text/css; charset=utf-8"),
        ("/assets/favicon.svg", "image/svg+xml"),
    ] {
        let answer = web.get(path, &[]).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.header("content-type"), content_type, "{path}");
        assert_eq!(answer.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(answer.header("cache-control"), "no-cache", "{path}");
        assert!(!answer.body.is_empty(), "{path}");
        let etag = answer.header("etag").to_owned();
        let again = web.get(path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    for missing in ["/assets/nope.js", "/assets/..%2FCargo.toml", "/assets/", "/assets/index.html/x"] {
        assert_eq!(web.get(missing, &[]).await.status, 404, "{missing}");
    }
}

/// Every `import … from "./x.js"` of every module, and every file `index.html` names, is served: a typo in
/// a module path would otherwise only show as a blank page.
#[tokio::test]
async fn every_import_and_every_file_the_page_names_is_served() {
    let web = Web::start().await;
    let mut wanted = vec!["/assets/app.js".to_owned(), "/assets/admin.js".to_owned()];
    for page in ["/", "/admin"] {
        let shell = web.get(page, &[]).await.text();
        for quoted in shell.split('"').filter(|part| part.starts_with("/assets/")) {
            wanted.push(quoted.to_owned());
        }
    }
    let mut seen = Vec::new();
    while let Some(path) = wanted.pop() {
        if seen.contains(&path) {
            continue;
        }
        let answer = web.get(&path, &[]).await;
        assert_eq!(answer.status, 200, "{path} is imported but not served");
        if path.ends_with(".js") {
            for line in answer.text().lines().filter(|line| line.starts_with("import ")) {
                let module = line.rsplit(['"', '\'']).nth(1).unwrap();
                let module =
                    module.strip_prefix("./").unwrap_or_else(|| panic!("{path}: relative imports only: {line}"));
                wanted.push(format!("/assets/{module}"));
            }
        }
        seen.push(path);
    }
    assert!(seen.len() > 20, "{seen:?}");
}
