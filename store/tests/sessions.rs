//! Sessions against both databases (see tests/audit.rs for how).

use console_store::{Session, Store};

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

async fn stores() -> Vec<Store> {
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique("console-sessions")));
    let mut stores = vec![
        Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap(),
    ];
    if let Some(url) = console_store::test_postgres_url("PostgreSQL not tested") {
        stores.push(Store::open(&url).await.expect("open PostgreSQL"));
    }
    stores
}

#[tokio::test]
async fn sessions_are_created_read_touched_ended_and_purged() {
    for store in stores().await {
        let s = Session {
            id_hash: unique("h"),
            actor: "ana".into(),
            token_sealed: "sealed".into(),
            created_ms: 1_000,
            last_seen_ms: 1_000,
        };
        store.create_session(&s).await.unwrap();
        assert_eq!(store.session(&s.id_hash).await.unwrap(), Some(s.clone()));
        assert!(store.create_session(&s).await.is_err(), "ids are unique");
        store.touch_session(&s.id_hash, 5_000).await.unwrap();
        assert_eq!(
            store
                .session(&s.id_hash)
                .await
                .unwrap()
                .unwrap()
                .last_seen_ms,
            5_000
        );
        store.delete_session(&s.id_hash).await.unwrap();
        assert_eq!(store.session(&s.id_hash).await.unwrap(), None);

        let (idle, old, fresh) = (unique("idle"), unique("old"), unique("fresh"));
        for (id, created, seen) in [(&idle, 100, 200), (&old, 10, 9_000), (&fresh, 8_000, 9_000)] {
            store
                .create_session(&Session {
                    id_hash: id.clone(),
                    actor: "bo".into(),
                    token_sealed: "x".into(),
                    created_ms: created,
                    last_seen_ms: seen,
                })
                .await
                .unwrap();
        }
        store.purge_sessions(1_000, 50).await.unwrap();
        assert_eq!(store.session(&idle).await.unwrap(), None, "idle too long");
        assert_eq!(store.session(&old).await.unwrap(), None, "too old");
        assert!(store.session(&fresh).await.unwrap().is_some());
    }
}
