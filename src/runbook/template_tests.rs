//! Unit tests for template rendering: strict undefined, shell quoting, durations, overrides.

use super::*;

fn ctx() -> Context {
    Context {
        version: "1.4.2".into(),
        release_name: "backend".into(),
        environment: "production".into(),
        operator: "alice".into(),
        vars: [("compose".to_string(), "prod.yml".to_string())].into(),
        ..Context::default()
    }
}

fn tpl(s: &str) -> Tpl {
    Tpl::new(s, 3..9)
}

#[test]
fn renders_variables() {
    let out = render(
        &tpl("{{ release.name }}@{{ version }} by {{ operator }}"),
        &ctx(),
    );
    assert_eq!(out.unwrap(), "backend@1.4.2 by alice");
    let out = render(&tpl("-f {{ vars.compose }}"), &ctx()).unwrap();
    assert_eq!(out, "-f prod.yml");
}

#[test]
fn plain_text_is_returned_as_is() {
    assert_eq!(render(&tpl("a { b } c"), &ctx()).unwrap(), "a { b } c");
}

#[test]
fn undefined_variable_is_an_error_naming_it() {
    let err = render(&tpl("git checkout {{ previous }}"), &ctx()).unwrap_err();
    assert_eq!(
        err.message,
        "undefined variable `previous` (no earlier release tag)"
    );
    assert_eq!(err.span, 3..9);
    let err = render(&tpl("{{ vars.nope }}"), &ctx()).unwrap_err();
    assert_eq!(
        err.message,
        "undefined variable `vars.nope`; defined: vars.compose"
    );
    let err = render(&tpl("{{ captures.tx }}"), &ctx()).unwrap_err();
    assert!(err.message.contains("`captures.tx`"), "{}", err.message);
    let err = render(&tpl("{{ verison }}"), &ctx()).unwrap_err();
    assert_eq!(err.message, "unknown variable `verison`");
}

#[test]
fn strict_undefined_catches_dynamic_lookups() {
    // `vars[...]` is not visible statically; minijinja's strict mode still refuses it.
    let err = render(&tpl("{{ vars['nope'] }}"), &ctx()).unwrap_err();
    assert!(err.message.contains("undefined"), "{}", err.message);
}

#[test]
fn optional_values_render_once_set() {
    let mut c = ctx();
    c.previous = Some("v1.4.1".into());
    c.rollback_version = Some("v1.4.1".into());
    assert_eq!(render(&tpl("{{ previous }}"), &c).unwrap(), "v1.4.1");
    assert_eq!(
        render(&tpl("{{ rollback.version }}"), &c).unwrap(),
        "v1.4.1"
    );
}

#[test]
fn shell_rendering_quotes_every_value() {
    let mut c = ctx();
    c.previous = Some("v1;touch pwned".into());
    let out = render_shell(&tpl("git checkout {{ previous }}"), &c).unwrap();
    assert_eq!(out, "git checkout 'v1;touch pwned'");
    assert_eq!(
        shlex::split(&out).unwrap(),
        ["git", "checkout", "v1;touch pwned"]
    );
    // Harmless values stay readable.
    let out = render_shell(&tpl("deploy {{ version }}"), &c).unwrap();
    assert_eq!(out, "deploy 1.4.2");
    // Quotes inside the value cannot break out either.
    c.previous = Some("x' $(touch pwned) '".into());
    let out = render_shell(&tpl("echo {{ previous }}"), &c).unwrap();
    assert_eq!(shlex::split(&out).unwrap(), ["echo", "x' $(touch pwned) '"]);
    // An empty value is still one (empty) word.
    c.vars.insert("empty".into(), String::new());
    let out = render_shell(&tpl("x {{ vars.empty }} y"), &c).unwrap();
    assert_eq!(shlex::split(&out).unwrap(), ["x", "", "y"]);
}

#[test]
fn plain_rendering_does_not_quote() {
    let mut c = ctx();
    c.previous = Some("v1;touch pwned".into());
    assert_eq!(
        render(&tpl("{{ previous }}"), &c).unwrap(),
        "v1;touch pwned"
    );
}

#[test]
fn durations_fixed_and_templated() {
    let mut c = ctx();
    assert_eq!(
        render_duration(&Dur::Fixed(Duration::from_secs(3)), &c)
            .unwrap()
            .as_secs(),
        3
    );
    c.vars.insert("watch".into(), "5s".into());
    let d = Dur::Template(tpl("{{ vars.watch }}"));
    assert_eq!(render_duration(&d, &c).unwrap(), Duration::from_secs(5));
    c.vars.insert("watch".into(), "soon".into());
    let err = render_duration(&d, &c).unwrap_err();
    assert!(err.message.contains("not a duration"), "{}", err.message);
}

#[test]
fn a_templated_duration_over_a_year_is_refused_naming_its_value() {
    let mut c = ctx();
    let d = Dur::Template(tpl("{{ vars.watch }}"));
    c.vars.insert("watch".into(), "1y".into());
    assert_eq!(
        render_duration(&d, &c).unwrap(),
        Duration::from_secs(31_557_600)
    );
    for long in ["1000000y", "366d", "99999999999999999999y"] {
        c.vars.insert("watch".into(), long.into());
        let err = render_duration(&d, &c).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "`{{{{ vars.watch }}}}` rendered to \"{long}\"; the longest duration flightdeck accepts is 1 year (1y = 365.25 days)"
            )
        );
        assert_eq!(err.span, 3..9);
    }
}

#[test]
fn referenced_variables_are_nested_and_sorted() {
    let names = referenced_variables(
        "{{ vars.b }} {{ version }} {% for x in range(3) %}{{ x }}{% endfor %}",
    );
    assert_eq!(names.unwrap(), ["vars.b", "version"]);
    assert!(referenced_variables("{{ oops").is_err());
}

fn runbook() -> Runbook {
    let src = r#"
[release]
name = "svc"
environment = "production"
version = "1.0.0"

[vars]
watch = "15m"
target = "prod"

[environments.staging]
vars = { target = "staging", base = "http://127.0.0.1:8081" }

[[steps]]
id = "s"
kind = "manual"
"#;
    crate::runbook::load_str(src, std::path::Path::new("f.toml"))
        .unwrap()
        .runbook
}

#[test]
fn overrides_merge_vars_environment_then_sets() {
    let rb = runbook();
    let prod = apply_overrides(&rb, "production", &[]).unwrap();
    assert_eq!(prod["target"], "prod");
    assert!(!prod.contains_key("base"));
    let sets = [("vars.watch".to_string(), "5s".to_string())];
    let staging = apply_overrides(&rb, "staging", &sets).unwrap();
    assert_eq!(staging["target"], "staging");
    assert_eq!(staging["base"], "http://127.0.0.1:8081");
    assert_eq!(staging["watch"], "5s");
}

#[test]
fn overrides_reject_unknown_environments_and_keys() {
    let rb = runbook();
    let err = apply_overrides(&rb, "qa", &[]).unwrap_err();
    assert_eq!(
        err,
        "unknown environment `qa`; defined environments: production, staging"
    );
    let err = apply_overrides(&rb, "production", &[("watch".into(), "5s".into())]).unwrap_err();
    assert!(err.contains("only `--set vars.NAME=VALUE`"), "{err}");
    let err = apply_overrides(&rb, "production", &[("vars.wach".into(), "5s".into())]).unwrap_err();
    assert_eq!(
        err,
        "cannot set `vars.wach`: no such variable in the runbook; did you mean `watch`?"
    );
}
