//! Which rows of a page the browser draws: the rows near the viewport,
//! followed as the page scrolls. Pure but for [`follow_viewport`].

use leptos::prelude::*;

use crate::{snapshot::Snapshot, sync_view::hydrating};

/// Which rows of the page the browser draws: `start..end`, unclamped (the
/// rows near the viewport, whatever the page's length), and the height of
/// one row for the spacers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Span {
    start: usize,
    end: usize,
    pub(super) row_px: f64,
}

/// Rows drawn beyond each edge of the viewport, so that ordinary scrolling
/// never shows a gap before the next scroll event draws more.
const OVERSCAN: usize = 10;
/// Spans move in steps of this many rows, so that small scrolls redraw
/// nothing.
const STEP: usize = 10;
/// Rows drawn when a table appears before it could be measured.
const FIRST_ROWS: usize = 30;

impl Span {
    /// Every row, as the server writes them (and as hydration must find
    /// them); a table that appears later, in the browser, starts with the
    /// top rows until it is measured.
    pub(super) fn first() -> Span {
        let all = cfg!(not(target_arch = "wasm32")) || hydrating();
        Span {
            start: 0,
            end: if all { usize::MAX } else { FIRST_ROWS },
            row_px: 0.0,
        }
    }

    /// The rows to draw when the table body's top is `top` pixels from the
    /// viewport's top (negative once scrolled past), in a viewport `height`
    /// pixels high, with rows `row_px` high.
    fn near_viewport(top: f64, height: f64, row_px: f64) -> Span {
        let row_px = if row_px.is_finite() && row_px >= 1.0 {
            row_px
        } else {
            1.0
        };
        let from = (-top).max(0.0) / row_px;
        let to = (height - top).max(0.0) / row_px;
        let start = (from as usize).saturating_sub(OVERSCAN) / STEP * STEP;
        let end = (to.ceil() as usize + OVERSCAN).div_ceil(STEP) * STEP;
        Span {
            start,
            end: end.max(start),
            row_px,
        }
    }

    /// The rows drawn of a page of `len`.
    pub(super) fn clamp(self, len: usize) -> (usize, usize) {
        let end = self.end.min(len);
        (self.start.min(end), end)
    }
}

/// Keeps `span` on the rows near the viewport: measured once the table is
/// in the page, then on every scroll, resize and new read. Browser only.
pub(super) fn follow_viewport(
    body: NodeRef<leptos::html::Tbody>,
    span: RwSignal<Span>,
    snapshot: RwSignal<Snapshot>,
) {
    let measure = move || {
        let Some(body) = body.get_untracked() else {
            return;
        };
        let window = window();
        let height = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let row_px = body
            .query_selector("tr[data-worker-id]")
            .ok()
            .flatten()
            .map(|row| row.get_bounding_client_rect().height())
            .filter(|&h| h >= 1.0)
            .unwrap_or_else(|| span.with_untracked(|s| s.row_px));
        if row_px < 1.0 {
            return; // nothing drawn yet to measure
        }
        let next = Span::near_viewport(body.get_bounding_client_rect().top(), height, row_px);
        if span.with_untracked(|s| *s != next) {
            span.set(next);
        }
    };
    Effect::new(move |_| {
        snapshot.track();
        measure();
    });
    Effect::new(move |_| {
        let scroll = window_event_listener(leptos::ev::scroll, move |_| measure());
        let resize = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || {
            scroll.remove();
            resize.remove();
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_below_the_fold_draws_from_its_first_row() {
        // Body starts 400 px down a 720 px viewport, rows 33 px: 10 rows
        // visible, 10 more below.
        let s = Span::near_viewport(400.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (0, 20));
        assert_eq!(s.clamp(100), (0, 20));
        // Part of a row: up to the next step.
        let s = Span::near_viewport(380.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (0, 30));
        assert_eq!(s.clamp(12), (0, 12));
        assert_eq!(s.clamp(0), (0, 0));
    }

    #[test]
    fn scrolled_into_the_table_draws_around_the_viewport() {
        // 2,000 px of the body above the viewport: rows 60.6.. are at the top.
        let s = Span::near_viewport(-2000.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (50, 100));
        assert!(s.start <= 60 - OVERSCAN && s.end >= (2720.0f64 / 33.0).ceil() as usize + OVERSCAN);
        // A page shorter than where the viewport is: nothing past its end.
        assert_eq!(s.clamp(40), (40, 40));
        assert_eq!(s.clamp(70), (50, 70));
    }

    #[test]
    fn small_scrolls_keep_the_span() {
        let a = Span::near_viewport(-2000.0, 720.0, 33.0);
        let b = Span::near_viewport(-2030.0, 720.0, 33.0);
        assert_eq!(a, b);
        let c = Span::near_viewport(-2400.0, 720.0, 33.0);
        assert_ne!((a.start, a.end), (c.start, c.end));
    }

    #[test]
    fn a_table_below_the_viewport_draws_nothing_beyond_the_overscan() {
        let s = Span::near_viewport(5000.0, 720.0, 33.0);
        assert_eq!((s.start, s.end), (0, 10));
    }

    #[test]
    fn unmeasurable_rows_are_taken_as_one_pixel() {
        let s = Span::near_viewport(0.0, 50.0, 0.0);
        assert_eq!(s.row_px, 1.0);
        assert_eq!((s.start, s.end), (0, 60));
        let s = Span::near_viewport(0.0, 50.0, f64::NAN);
        assert_eq!(s.row_px, 1.0);
    }

    #[test]
    fn the_server_writes_every_row() {
        assert_eq!(Span::first().clamp(100), (0, 100));
    }
}
