use super::*;

#[test]
fn slugs_follow_the_reference_rule() {
    for good in ["ab", "google", "0auth", "my-idp-2", &"a".repeat(32)] {
        let mut e = Vec::new();
        provider_slug("slug", good, &mut e);
        assert!(e.is_empty(), "{good}");
    }
    for bad in ["a", "-ab", "Google", "a_b", "a b", &"a".repeat(33), "é1"] {
        let mut e = Vec::new();
        provider_slug("slug", bad, &mut e);
        assert_eq!(e.len(), 1, "{bad}");
    }
}

#[test]
fn redirects_stay_on_the_dashboard() {
    assert_eq!(
        safe_redirect_path("/projects/1?tab=a").as_deref(),
        Some("/projects/1?tab=a")
    );
    for bad in [
        "https://evil.io",
        "//evil.io",
        "/\\evil.io",
        "evil",
        "/a b",
        "/x\n",
        "/#frag",
        &format!("/{}", "a".repeat(600)),
    ] {
        assert_eq!(safe_redirect_path(bad), None, "{bad}");
    }
}

#[test]
fn fragments_are_encoded() {
    assert_eq!(
        dashboard_callback("http://d.io/", &[("error", "a&b"), ("x", "1")]),
        "http://d.io/auth/callback#error=a%26b&x=1"
    );
}

#[test]
fn urls_and_colours() {
    let mut e = Vec::new();
    web_url("u", "https://idp.example.com/realms/x", &mut e);
    color("c", "#1a2B3c", &mut e);
    assert!(e.is_empty());
    for bad in [
        "ftp://x.io",
        "not a url",
        "https://user:pw@x.io",
        "https://x.io/#f",
    ] {
        let mut e = Vec::new();
        web_url("u", bad, &mut e);
        assert_eq!(e.len(), 1, "{bad}");
    }
    for bad in ["red", "#12", "#ggg", "#1234567", "url(x)"] {
        let mut e = Vec::new();
        color("c", bad, &mut e);
        assert_eq!(e.len(), 1, "{bad}");
    }
}

#[test]
fn manual_configuration_needs_its_endpoints() {
    assert!(manual_endpoints_complete(true, None, None, None).is_ok());
    let missing = manual_endpoints_complete(false, Some("https://a"), None, Some(""))
        .expect_err("incomplete");
    let paths: Vec<_> = missing.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["tokenEndpoint", "jwksUri"]);
    assert!(require_tls(&[("issuerUrl", Some("http://x"))], false).is_err());
    assert!(require_tls(&[("issuerUrl", Some("http://x"))], true).is_ok());
}

#[test]
fn provider_errors_map_to_known_codes() {
    assert_eq!(provider_error_code("access_denied"), "access_denied");
    assert_eq!(provider_error_code("<script>"), "provider_error");
}

#[test]
fn the_login_cookie_is_found_only_when_well_formed() {
    let v = "a".repeat(43);
    let header = format!("theme=dark; {LOGIN_COOKIE}={v}; other=1");
    assert_eq!(
        login_cookie_value([header.as_str()].into_iter()),
        Some(v.clone())
    );
    let split = ["theme=dark", &format!("{LOGIN_COOKIE}={v}")];
    assert_eq!(login_cookie_value(split.into_iter()), Some(v.clone()));
    for bad in [
        format!("{LOGIN_COOKIE}=short"),
        format!("{LOGIN_COOKIE}={}", "a".repeat(44)),
        format!("{LOGIN_COOKIE}={}!", "a".repeat(42)),
        format!("djb_oidc={v}"),
        String::new(),
    ] {
        assert_eq!(
            login_cookie_value([bad.as_str()].into_iter()),
            None,
            "{bad}"
        );
    }
    let set = login_cookie(&v, 300);
    assert!(
        set.starts_with(&format!("{LOGIN_COOKIE}={v}; Path=/;")),
        "{set}"
    );
    assert!(!set.contains("Domain"));
}

#[test]
fn only_trusted_platform_providers_link_by_email() {
    let trusted = vec!["example.com".to_owned()];
    assert!(may_link_by_email(None, &trusted, "ada@example.com"));
    assert!(!may_link_by_email(None, &trusted, "ada@sub.example.com"));
    assert!(!may_link_by_email(
        None,
        &trusted,
        "ada@example.com.evil.io"
    ));
    assert!(!may_link_by_email(None, &[], "ada@example.com"));
    assert!(
        !may_link_by_email(Some("ten_a"), &trusted, "ada@example.com"),
        "tenant providers never link by email"
    );
    assert!(trust_is_platform_only(true, &trusted).is_err());
    assert!(trust_is_platform_only(false, &trusted).is_ok());
    assert!(trust_is_platform_only(true, &[]).is_ok());
    assert_eq!(
        normalize_domains(vec![" B.io".into(), "a.io".into(), "b.io".into()]),
        ["a.io", "b.io"]
    );
}
