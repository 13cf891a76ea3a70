//! Views that hydrate in one step even when the page hydrates in steps.
//!
//! The browser hydrates the app asynchronously (`hydrate_lazy`), because a
//! lazy page's code must be fetched before that page can hydrate. Every view
//! type reached that way gets an asynchronous hydration function of its own
//! as well as its synchronous one, and so does every type put behind
//! `into_any()`. The worker page and the header are in the main wasm file
//! and never wait for code, so [`SyncHydrate`] hydrates them with their synchronous
//! functions only; the asynchronous copies of all their view types are not
//! compiled into the browser bundle.
//!
//! Server-side rendering is unchanged: every method but the asynchronous
//! hydration is the wrapped view's own.
//!
//! See docs/decisions/0002-sync-hydrate.md for why this exists and when to remove it.

use leptos::{
    prelude::*,
    tachys::{
        html::attribute::{Attribute, any_attribute::AnyAttribute},
        hydration::Cursor,
        ssr::StreamBuilder,
        view::{Position, PositionState, add_attr::AddAnyAttr},
    },
};

/// A view that hydrates synchronously (see the module documentation).
pub struct SyncHydrate<V>(pub V);

/// `into_any()` for views that hydrate synchronously.
pub trait IntoSyncAny {
    /// The view behind an [`AnyView`] whose asynchronous hydration is the
    /// synchronous one.
    fn into_sync_any(self) -> AnyView;
}

impl<V: RenderHtml + Send> IntoSyncAny for V {
    // The one place that erases a view: everywhere else calls this.
    #[allow(clippy::disallowed_methods)]
    fn into_sync_any(self) -> AnyView {
        SyncHydrate(self).into_any()
    }
}

impl<V: Render> Render for SyncHydrate<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: RenderHtml> RenderHtml for SyncHydrate<V> {
    type AsyncOutput = SyncHydrate<V::AsyncOutput>;
    type Owned = SyncHydrate<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    async fn resolve(self) -> Self::AsyncOutput {
        SyncHydrate(self.0.resolve().await)
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    // `hydrate_async` is the trait's default: `hydrate` above.

    fn into_owned(self) -> Self::Owned {
        SyncHydrate(self.0.into_owned())
    }
}

impl<V: AddAnyAttr> AddAnyAttr for SyncHydrate<V> {
    type Output<A: Attribute> = SyncHydrate<V::Output<A>>;

    fn add_any_attr<A: Attribute>(self, attr: A) -> Self::Output<A>
    where
        Self::Output<A>: RenderHtml,
    {
        SyncHydrate(self.0.add_any_attr(attr))
    }
}

/// Whether the browser is hydrating the server's page at this moment: false
/// on the server, and for views made once the page has hydrated.
pub fn hydrating() -> bool {
    Owner::current_shared_context().is_some_and(|c| c.during_hydration())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn sample(n: usize) -> impl IntoView {
        view! {
            <ul class="sample" data-n=n>
                {(0..n).map(|i| view! { <li>{i}" <&>"</li> }).collect_view()}
            </ul>
            {n.is_multiple_of(2).then(|| view! { <p>"even"</p> })}
        }
    }

    #[test]
    #[allow(clippy::disallowed_methods)]
    fn server_html_is_the_wrapped_views_own() {
        let owner = Owner::new();
        owner.with(|| {
            for n in [0, 1, 4] {
                let plain = sample(n).to_html();
                assert!(plain.contains("sample"), "{plain}");
                assert_eq!(SyncHydrate(sample(n)).to_html(), plain);
                assert_eq!(sample(n).into_sync_any().to_html(), plain);
                assert_eq!(sample(n).into_any().to_html(), plain);
            }
        });
    }
}
