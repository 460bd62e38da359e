//! Forms are accepted only from this service's own pages: the form's token must be
//! the session's (or, for signing in, the one its cookie holds), and a browser that
//! says the request comes from another site is refused whatever it carries.

use actix_web::HttpRequest;

/// Whether a form post may be acted on: the token matches, compared in constant
/// time, and neither `Sec-Fetch-Site` nor `Origin` names another site.
pub fn accepted(req: &HttpRequest, expected: &str, given: &str) -> bool {
    same_site(req)
        && !expected.is_empty()
        && constant_time_eq(expected.as_bytes(), given.as_bytes())
}

/// Whether the browser says the request comes from this site (or says nothing).
pub fn same_site(req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match header("origin") {
        None => true,
        Some(origin) => {
            let info = req.connection_info();
            origin == format!("{}://{}", info.scheme(), info.host())
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_the_right_token_from_this_site_is_accepted() {
        let ours = TestRequest::post()
            .insert_header(("host", "cl.example"))
            .insert_header(("origin", "http://cl.example"))
            .insert_header(("sec-fetch-site", "same-origin"))
            .to_http_request();
        assert!(accepted(&ours, "abc", "abc"));
        assert!(!accepted(&ours, "abc", "abd"));
        assert!(!accepted(&ours, "abc", ""));
        assert!(!accepted(&ours, "", ""));
        let elsewhere = TestRequest::post()
            .insert_header(("host", "cl.example"))
            .insert_header(("origin", "https://evil.example"))
            .to_http_request();
        assert!(!accepted(&elsewhere, "abc", "abc"));
        let cross = TestRequest::post()
            .insert_header(("host", "cl.example"))
            .insert_header(("sec-fetch-site", "cross-site"))
            .to_http_request();
        assert!(!accepted(&cross, "abc", "abc"));
    }
}
