//! Apps this browser opened lately, kept in its local storage (never on the
//! server): the start page offers them first.

/// Most apps remembered.
pub const MAX_RECENT: usize = 8;
const KEY: &str = "everai-console.recent";

/// `namespace/app` lines, most recent first, without repeats.
pub fn remember(stored: &str, namespace: &str, app: &str) -> String {
    let entry = format!("{namespace}/{app}");
    let mut lines: Vec<&str> = vec![entry.as_str()];
    lines.extend(
        stored
            .lines()
            .filter(|l| *l != entry && parse_line(l).is_some()),
    );
    lines.truncate(MAX_RECENT);
    lines.join("\n")
}

/// The stored list, skipping anything that is not a valid `namespace/app`.
pub fn parse(stored: &str) -> Vec<(String, String)> {
    stored
        .lines()
        .filter_map(parse_line)
        .take(MAX_RECENT)
        .collect()
}

fn parse_line(line: &str) -> Option<(String, String)> {
    let (ns, app) = line.split_once('/')?;
    let ns = everai_api::Namespace::parse(ns).ok()?;
    let app = everai_api::AppName::parse(app).ok()?;
    Some((ns.as_str().to_string(), app.as_str().to_string()))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads the list (browser only; empty where there is no storage).
pub fn load() -> Vec<(String, String)> {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .map(|v| parse(&v))
        .unwrap_or_default()
}

/// Puts `namespace`/`app` first (browser only; does nothing without storage).
pub fn save(namespace: &str, app: &str) {
    if let Some(s) = storage() {
        let stored = s.get_item(KEY).ok().flatten().unwrap_or_default();
        let _ = s.set_item(KEY, &remember(&stored, namespace, app));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_comes_first_once_and_the_list_is_capped() {
        let mut stored = String::new();
        for i in 0..10 {
            stored = remember(&stored, "default", &format!("app-{i}"));
        }
        stored = remember(&stored, "default", "app-5");
        let apps = parse(&stored);
        assert_eq!(apps.len(), MAX_RECENT);
        assert_eq!(apps[0], ("default".into(), "app-5".into()));
        assert_eq!(apps[1], ("default".into(), "app-9".into()));
        assert_eq!(apps.iter().filter(|(_, a)| a == "app-5").count(), 1);
    }

    #[test]
    fn tampered_entries_are_skipped() {
        let apps = parse("default/ok\n../etc\nno-slash\nns/<script>\nresearch/whisper-large");
        assert_eq!(
            apps,
            vec![
                ("default".into(), "ok".into()),
                ("research".into(), "whisper-large".into())
            ]
        );
    }
}
