use leptos::prelude::*;

use crate::filters::{Paging, WorkerQuery, with_query};
use crate::sync_view::IntoSyncAny;

/// "Rows 101–200 of 1,040", with links to the previous and next page that
/// keep the filters and sort (plain links: they work without JavaScript and
/// can be shared). Nothing when everything fits on one page.
#[component]
pub fn Pager(paging: Memo<Paging>, query: WorkerQuery, path: String) -> impl IntoView {
    move || {
        {
        let p = paging.get();
        (p.pages > 1).then(|| {
            let link = |page: usize| with_query(&path, &query.on_page(page).to_query_string());
            let prev = (p.page > 1).then(|| link(p.page - 1));
            let next = (p.page < p.pages).then(|| link(p.page + 1));
            view! {
                <nav class="pager" aria-label="Pages" data-testid="pager">
                    <span class="pager-where">
                        {format!(
                            "Rows {}–{} of {} · page {} of {}",
                            p.start + 1,
                            p.end,
                            p.total,
                            p.page,
                            p.pages,
                        )}
                    </span>
                    {match prev {
                        Some(href) => view! { <a class="button button-small" href=href rel="prev">"← Previous"</a> }.into_sync_any(),
                        None => view! { <span class="button button-small" aria-disabled="true">"← Previous"</span> }.into_sync_any(),
                    }}
                    {match next {
                        Some(href) => view! { <a class="button button-small" href=href rel="next">"Next →"</a> }.into_sync_any(),
                        None => view! { <span class="button button-small" aria-disabled="true">"Next →"</span> }.into_sync_any(),
                    }}
                </nav>
            }
        })
    }
    .into_sync_any()
    }
}
