//! The workers ticked in the table, kept across reads and pages, and the
//! form that opens the confirmation for exactly those.

use leptos::prelude::*;

use crate::{
    actions::removable, components::scale::hidden_view, filters::WorkerQuery, snapshot::Snapshot,
    sync_view::hydrating, transport::WorkerRef,
};

/// The page's selection, starting with `initial`. Boxes ticked before the
/// page hydrated join it once it has (hydration keeps the server's text, so
/// the count must change after).
pub fn selection(initial: Vec<String>) -> RwSignal<Vec<String>> {
    let selected = RwSignal::new(initial);
    let mut early = ticked_before_hydration();
    if !early.is_empty() {
        Effect::new(move |_| {
            let early = std::mem::take(&mut early);
            selected.update(|ids| {
                for id in early {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            });
        });
    }
    selected
}

/// The form the row checkboxes belong to (by their `form` attribute): it
/// opens the confirmation for the ticked workers.
#[component]
pub(super) fn SelectionForm(
    path: String,
    /// The view, kept by the confirmation as hidden fields.
    query: Signal<WorkerQuery>,
    selected: RwSignal<Vec<String>>,
    /// The rows drawn; ticked workers not among them go as hidden fields.
    drawn: Memo<Vec<WorkerRef>>,
    snapshot: RwSignal<Snapshot>,
) -> impl IntoView {
    view! {
        <form id="selection" class="selection" method="get" action=path>
            {move || query.with(hidden_view)}
            <input type="hidden" name="confirm" value="down" />
            // Ticked workers not drawn (on other pages of the table, or
            // scrolled away) go too.
            {move || {
                let off_page: Vec<String> = selected
                    .with(|sel| {
                        drawn
                            .with(|rows| {
                                snapshot
                                    .with(|snap| {
                                        sel.iter()
                                            .filter(|id| !rows.iter().any(|w| &w.id == *id))
                                            .filter(|id| {
                                                snap.workers
                                                    .iter()
                                                    .any(|w| &w.id == *id && removable(w))
                                            })
                                            .cloned()
                                            .collect()
                                    })
                            })
                    });
                off_page
                    .into_iter()
                    .map(|id| view! { <input type="hidden" name="worker" value=id /> })
                    .collect_view()
            }}
            <button type="submit" class="button">"Remove selected…"</button>
            <span class="muted hint" data-testid="selected-count">
                {move || match selected.with(Vec::len) {
                    0 => "Tick workers in the table to remove exactly those.".to_string(),
                    1 => "1 worker selected.".to_string(),
                    n => format!("{n} workers selected."),
                }}
            </span>
        </form>
    }
}

/// The workers whose boxes were ticked in the server's page before it
/// hydrated. The browser keeps a box's state, but the page's selection
/// starts as the server's, so without these the box stays ticked and is not
/// counted (nor kept when scrolled away). Empty on the server and once
/// hydrated.
fn ticked_before_hydration() -> Vec<String> {
    use leptos::wasm_bindgen::JsCast;
    if cfg!(not(target_arch = "wasm32")) || !hydrating() {
        return Vec::new();
    }
    let Ok(boxes) = document()
        .query_selector_all(r#"input[type="checkbox"][name="worker"][form="selection"]:checked"#)
    else {
        return Vec::new();
    };
    (0..boxes.length())
        .filter_map(|i| boxes.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|input| input.value())
        .collect()
}
