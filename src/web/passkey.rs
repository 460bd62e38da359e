//! The pages' one script, a passkey's ceremony (`assets/passkey.js`): drawn inline
//! into the pages that offer a passkey, and allowed on those answers only, by its
//! SHA-256 in their Content-Security-Policy. Every other page keeps the policy that
//! allows no script at all.

use super::CONTENT_SECURITY_POLICY;
use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_SECURITY_POLICY as CSP, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The script, as the pages carry it between `<script>` and `</script>`.
pub const SCRIPT: &str = include_str!("assets/passkey.js");

/// The policy of a page that carries the script: the pages' policy, and this script.
static POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    format!("{CONTENT_SECURITY_POLICY}; script-src 'sha256-{hash}'")
});

/// A form that a passkey answers: what the template `passkey_form.html` draws.
pub struct PasskeyForm {
    /// The options for the browser (`{"publicKey": …}`), as JSON.
    pub options: String,
    /// Where the answer is posted.
    pub action: String,
    /// `create` (a passkey added) or `get` (a passkey used).
    pub mode: &'static str,
    /// The form field that carries the answer.
    pub answer: &'static str,
    /// For a step-up: the page to return to.
    pub back: Option<String>,
    pub script: &'static str,
}

impl PasskeyForm {
    pub fn new(
        options: &serde_json::Value,
        action: impl Into<String>,
        mode: &'static str,
        answer: &'static str,
    ) -> PasskeyForm {
        PasskeyForm {
            options: options.to_string(),
            action: action.into(),
            mode,
            answer,
            back: None,
            script: SCRIPT,
        }
    }
}

/// Lets `res` (a page with a passkey form) run the script, and nothing else.
pub fn allow_script(res: &mut HttpResponse) {
    res.headers_mut().insert(
        CSP,
        HeaderValue::from_str(&POLICY).expect("the policy is a header value"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_script_by_its_hash_and_allows_nothing_else() {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
        assert!(POLICY.starts_with(CONTENT_SECURITY_POLICY));
        assert!(POLICY.ends_with(&format!("; script-src 'sha256-{hash}'")));
        assert_eq!(POLICY.matches("script-src").count(), 1);
        assert!(!POLICY.contains("unsafe"));
        assert!(
            !SCRIPT.contains("</script"),
            "the script closes its own element"
        );
    }
}
