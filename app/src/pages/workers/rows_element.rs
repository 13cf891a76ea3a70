//! The worker page's first read carries its rows in an element of the
//! page, not in its hydration data: Leptos writes hydration data as one
//! JavaScript string literal, escaping the JSON's quotes one by one (about
//! a tenth of the console's CPU for a 1,000-worker page); the element's
//! text is the JSON as written.
//!
//! [`PageRows`] is the only type that travels so, and it is only in the
//! page's resource: a server function's reply is a [`Workers`], which
//! always carries its rows. [`RowsElement`] draws the element on the
//! server; [`PageRows::into_workers`] reads it in the browser.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use leptos::prelude::*;

use crate::{error::ConsoleError, server_fns::workers::WorkerPage, transport::Workers};

/// The id of the element that carries the rows.
pub const ROWS_ELEMENT: &str = "worker-rows";

/// The page's first read, as its resource holds it: the read without its
/// rows, and the rows apart. Travels as a pair.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct FirstRead(WorkerPage, PageRows);

impl FirstRead {
    /// Takes the rows out of `page`.
    pub(super) fn new(mut page: WorkerPage) -> FirstRead {
        let rows = PageRows::Here(std::mem::take(&mut page.workers));
        FirstRead(page, rows)
    }

    /// The read, and its rows.
    pub(super) fn into_page(self) -> Result<(WorkerPage, Workers), ConsoleError> {
        Ok((self.0, self.1.into_workers()?))
    }
}

impl Serialize for FirstRead {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.0, &self.1).serialize(s)
    }
}

impl<'de> Deserialize<'de> for FirstRead {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Deserialize::deserialize(d).map(|(page, rows)| FirstRead(page, rows))
    }
}

/// The rows of the page's first read: the list itself where it was read,
/// and, decoded from the hydration data, the element that carries it.
/// Serializes as the element's id.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PageRows {
    Here(Workers),
    InElement,
}

impl PageRows {
    /// The rows: the list itself, or, in the browser, read from the page's
    /// element (before the page hydrates: the element stays, empty of
    /// meaning, once it has).
    pub(super) fn into_workers(self) -> Result<Workers, ConsoleError> {
        match self {
            PageRows::Here(workers) => Ok(workers),
            PageRows::InElement => read_element(),
        }
    }
}

#[cfg(feature = "hydrate")]
fn read_element() -> Result<Workers, ConsoleError> {
    let unreadable = |why: String| {
        ConsoleError::Transport(format!(
            "the page's list of workers could not be read ({why}); reload the page"
        ))
    };
    let text = document()
        .get_element_by_id(ROWS_ELEMENT)
        .and_then(|element| element.text_content())
        .ok_or_else(|| unreadable(format!("no element #{ROWS_ELEMENT}")))?;
    // The same reader as every other reply (see `crate::json`).
    serde_json::from_slice(text.as_bytes()).map_err(|e| unreadable(e.to_string()))
}

#[cfg(not(feature = "hydrate"))]
fn read_element() -> Result<Workers, ConsoleError> {
    Err(ConsoleError::Transport(format!(
        "the workers are in the page's element #{ROWS_ELEMENT}, which only a browser reads"
    )))
}

impl Serialize for PageRows {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(ROWS_ELEMENT)
    }
}

impl<'de> Deserialize<'de> for PageRows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl de::Visitor<'_> for Visit {
            type Value = PageRows;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "the id {ROWS_ELEMENT:?}")
            }
            fn visit_str<E: de::Error>(self, id: &str) -> Result<PageRows, E> {
                if id == ROWS_ELEMENT {
                    Ok(PageRows::InElement)
                } else {
                    Err(E::custom(format!("no rows element named {id:?}")))
                }
            }
        }
        d.deserialize_str(Visit)
    }
}

/// The element that carries the rows, drawn last on the page. The server
/// writes the rows as its text; the browser has read them before it
/// hydrates, and there the element has no text.
#[component]
pub(super) fn RowsElement(workers: Workers) -> impl IntoView {
    #[cfg(feature = "ssr")]
    return view! {
        <script type="application/json" id=ROWS_ELEMENT inner_html=element_text(&workers)></script>
    };
    #[cfg(not(feature = "ssr"))]
    {
        let _ = workers;
        view! { <script type="application/json" id=ROWS_ELEMENT></script> }
    }
}

/// The rows as the element's text: their JSON with every `<` written
/// `\u003c`, so no `</script>` or `<!--` in a worker's text can end or
/// change the element. (A `<` can only be inside a JSON string, where the
/// escape reads back as the same text.) Rows that cannot be written leave
/// the element empty, which the browser reports as unreadable rather than
/// showing no workers.
#[cfg(feature = "ssr")]
fn element_text(workers: &Workers) -> String {
    let Some(json) = workers.rows_json() else {
        return String::new();
    };
    if json.contains('<') {
        json.replace('<', "\\u003c")
    } else {
        json
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use everai_api::Worker;

    use super::*;

    fn page(workers: Workers) -> WorkerPage {
        WorkerPage {
            workers,
            max_workers: 10,
            fetched_at_ms: 1_700_000_000_000,
            action_key: "key".into(),
            max_scale_step: 5,
            scale_denied: None,
            action: None,
            recent_actions: Vec::new(),
            insight_html: String::new(),
            event_marks: Vec::new(),
            paused: false,
        }
    }

    #[test]
    fn the_rows_travel_in_the_element_and_read_back() {
        let workers: Vec<Worker> = (0..30)
            .map(|i| Worker {
                id: if i == 7 {
                    "w-</script><!--".into()
                } else {
                    format!("w-{i}")
                },
                device_id: "dev-<script>\"x\"".into(),
                ..Worker::default()
            })
            .collect();
        let list = Workers::from(workers.clone());
        // The hydration data names the element instead of holding the rows.
        let data = serde_json::to_string(&FirstRead::new(page(list.clone()))).unwrap();
        assert!(data.contains(r#""workers":[]"#), "{data}");
        assert!(data.ends_with(&format!(r#","{ROWS_ELEMENT}"]"#)), "{data}");
        assert!(!data.contains("w-1"), "{data}");
        let read: FirstRead = serde_json::from_str(&data).unwrap();
        assert_eq!(
            read,
            FirstRead(page(Workers::default()), PageRows::InElement)
        );
        // The element's text cannot end the element, and reads back as
        // the rows.
        let text = element_text(&list);
        assert!(!text.contains('<'), "{}", &text[..200]);
        assert!(text.contains(r"w-\u003c/script>\u003c!--"));
        let back: Workers = serde_json::from_str(&text).unwrap();
        assert_eq!(back[..], workers[..]);
        // Where it was read, the rows are the list itself.
        let (_, here) = FirstRead::new(page(list.clone())).into_page().unwrap();
        assert_eq!(here[..], workers[..]);
        // Outside a browser there is no element to read.
        let err = read.into_page().unwrap_err();
        assert!(err.to_string().contains("only a browser reads"), "{err}");
        // Another id is refused.
        let other = data.replace(ROWS_ELEMENT, "other");
        let err = serde_json::from_str::<FirstRead>(&other).unwrap_err();
        assert!(
            err.to_string().contains(r#"no rows element named "other""#),
            "{err}"
        );
    }
}
