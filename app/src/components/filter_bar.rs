//! The filter form above a list of workers (search, status and detail,
//! sort), shared by the worker page and the history page.

use everai_api::{DetailStatus, WorkerStatus};
use leptos::prelude::*;

use crate::{
    filters::{SortKey, WorkerQuery},
    sync_view::IntoSyncAny,
};

/// The filters as a GET form: it works the same with JavaScript off, and the
/// resulting URL reproduces the view. With `on_search`, the search box also
/// reports every keystroke (the live view filters as you type).
#[component]
pub fn FilterBar(
    query: WorkerQuery,
    path: String,
    #[prop(optional, into)] on_search: Option<Callback<String>>,
) -> impl IntoView {
    let status_boxes = WorkerStatus::KNOWN
        .iter()
        .map(|s| {
            let checked = query.statuses.contains(s);
            view! {
                <label class="check">
                    <input type="checkbox" name="status" value=s.wire().to_string() checked=checked />
                    {s.label().to_string()}
                </label>
            }
        })
        .collect_view();
    let detail_boxes = DetailStatus::KNOWN
        .iter()
        .map(|d| {
            let checked = query.details.contains(d);
            view! {
                <label class="check">
                    <input type="checkbox" name="detail" value=d.wire().to_string() checked=checked />
                    {d.label().to_string()}
                </label>
            }
        })
        .collect_view();
    // Unknown values in the URL stay selected, as hidden fields.
    let unknown = query
        .statuses
        .iter()
        .filter(|s| !s.is_known())
        .map(|s| view! { <input type="hidden" name="status" value=s.wire().to_string() /> })
        .collect_view();
    let sort_options = SortKey::ALL
        .into_iter()
        .map(|k| {
            view! {
                <option value=k.param() selected={query.sort == k}>
                    {k.label()}
                </option>
            }
        })
        .collect_view();
    let clear_href = path.clone();
    let status_count = query.statuses.len();
    let detail_count = query.details.len();
    view! {
        <form class="filters" method="get" action=path role="search">
            <label class="search">
                <span class="visually-hidden">"Search worker or device id"</span>
                <input
                    type="search"
                    name="q"
                    value=query.search.clone()
                    placeholder="Search worker or device id"
                    maxlength="100"
                    autocomplete="off"
                    spellcheck="false"
                    on:input=move |ev| {
                        if let Some(report) = on_search {
                            report.run(event_target_value(&ev));
                        }
                    }
                />
            </label>
            <details class="pick">
                <summary>
                    {if status_count > 0 { format!("Status ({status_count})") } else { "Status".to_string() }}
                </summary>
                <fieldset>
                    <legend class="visually-hidden">"Status"</legend>
                    {status_boxes}
                    {unknown}
                </fieldset>
            </details>
            <details class="pick">
                <summary>
                    {if detail_count > 0 { format!("Detail ({detail_count})") } else { "Detail".to_string() }}
                </summary>
                <fieldset>
                    <legend class="visually-hidden">"Detail status"</legend>
                    {detail_boxes}
                </fieldset>
            </details>
            <label class="sort">
                "Sort by "
                <select name="sort">{sort_options}</select>
            </label>
            <label class="sort">
                <span class="visually-hidden">"Direction"</span>
                <select name="dir">
                    <option value="asc" selected=!query.descending>"Ascending"</option>
                    <option value="desc" selected=query.descending>"Descending"</option>
                </select>
            </label>
            <button type="submit" class="button">"Apply"</button>
            <a class="clear" href=clear_href>"Clear"</a>
        </form>
    }
    .into_sync_any()
}
