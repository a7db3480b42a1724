//! Seek slices: each page asks for the newest offers of `[min, cursor]` and moves the cursor down
//! to its oldest second; a second fuller than a page becomes a unit slice; a slice with much left
//! is cut in two by time so the workers have work. Invariant: every second of the slice is covered
//! by one response that holds all of it.

use super::*;

impl Plan {
    pub(super) fn on_seek(&mut self, id: u32, cursor: i64, r: &PageResult) {
        let idx = id as usize;
        let ps = self.page_size as u64;
        let SliceState::Seek {
            pages,
            last,
            confirming,
            ..
        } = self.slices[idx].state.clone()
        else {
            return;
        };
        self.observe(r, 0);
        let n = r.ids.len() as u64;
        let total = r.total.unwrap_or(0);
        self.slices[idx].first_total.get_or_insert(total);
        if self.reading.is_none()
            && self.detection.is_none()
            // A second far from minute, hour and day boundaries is waited for a few pages.
            && let Some(mut d) = Detection::start(&r.ids, &r.created, pages < 5)
        {
            d.root = id;
            self.detection = Some(d);
            self.push(task(id, 0, TaskKind::Detect));
        }
        if let Some((prev, above)) = last
            && prev.checked_sub(above) != Some(total)
        {
            self.observed.inconsistent_totals += 1;
        }
        let min = self.slices[idx].spec.min();
        let oldest = r.created.iter().flatten().min().copied();
        let done = |plan: &mut Plan| plan.slices[idx].state = SliceState::Done { total };
        if n == 0 {
            if total == 0 || confirming {
                return done(self);
            }
            // Nothing came back while the total says offers remain: ask once more.
            self.set_seek(idx, cursor, pages + 1, None, true);
            return self.push(task(id, 0, TaskKind::Seek));
        }
        let Some(oldest) = oldest else {
            self.slices[idx].error = Some("the API returned offers without a creation date".into());
            return;
        };
        if n < ps && n >= total {
            // The page holds every offer left in the window, unless pages or totals lie: then
            // only an empty answer below it proves the end (a confirming page that brings
            // offers is an ordinary page, and is confirmed in turn).
            // Offers above the cursor (a request read coarsely reaches past it) are held already.
            let below = r.created.iter().flatten().any(|&c| c <= cursor);
            if !self.doubtful() || oldest - 1 < min || !below {
                return done(self);
            }
            self.observed.confirmations += 1;
            self.set_seek(idx, oldest - 1, pages + 1, None, true);
            return self.push(task(id, 0, TaskKind::Seek));
        }
        let unit = self.reading().unit_start(cursor);
        let (next, last) = if oldest >= unit {
            // Every offer of the page lies in the cursor's grain unit: the unit holds more than
            // a page. It becomes a slice of its own; seeking goes on below it.
            self.observed.crowded_units += 1;
            let spec = self.slices[idx].spec.with_window(unit.max(min), cursor);
            self.add_probe(id, Origin::Unit, spec);
            (unit - 1, None)
        } else {
            // The next total must be this one less what lies above the next request's top.
            let top = self.reading().covered_top(oldest);
            let above = r.created.iter().flatten().filter(|&&c| c > top).count() as u64;
            (oldest, Some((total, above)))
        };
        if next < min {
            return done(self);
        }
        self.set_seek(idx, next, pages + 1, last, false);
        self.split_for_parallelism(idx, total.saturating_sub(n), n, cursor - oldest);
        self.push(task(id, 0, TaskKind::Seek));
    }

    pub(super) fn set_seek(
        &mut self,
        idx: usize,
        cursor: i64,
        pages: u32,
        last: Option<(u64, u64)>,
        confirming: bool,
    ) {
        self.slices[idx].state = SliceState::Seek {
            cursor,
            pages,
            last,
            confirming,
        };
    }

    /// Slices with work to do (not waiting for parts, not finished, not failed).
    pub(super) fn active(&self) -> usize {
        self.slices
            .iter()
            .filter(|s| {
                s.error.is_none()
                    && matches!(
                        s.state,
                        SliceState::Seek { .. } | SliceState::Probe | SliceState::Passes { .. }
                    )
            })
            .count()
            + self.deferred.len()
    }

    /// Cuts the older part of a seek slice into slices of their own when the workers lack work
    /// and it has pages enough left: as many parts as there are idle workers (one more with the
    /// part the slice keeps), each of at least [`SPLIT_MIN_PART_PAGES`] pages, cut where, at the
    /// density of its last page, each holds an equal share of what is left.
    pub(super) fn split_for_parallelism(&mut self, idx: usize, left: u64, got: u64, span: i64) {
        let ps = self.page_size as u64;
        let active = self.active();
        if active >= self.parallelism {
            return;
        }
        let parts =
            (self.parallelism - active + 1).min((left / (SPLIT_MIN_PART_PAGES * ps)) as usize);
        if parts < 2 {
            return;
        }
        let SliceState::Seek { cursor, pages, .. } = self.slices[idx].state else {
            return;
        };
        let min = self.slices[idx].spec.min();
        let density = got as f64 / span.max(1) as f64;
        let share = (left as f64 / parts as f64) / density;
        // Cut points from the newest down; each part needs at least one second of its own.
        let mut cuts: Vec<i64> = Vec::new();
        for j in 1..parts {
            let m = cursor - (share * j as f64).ceil() as i64;
            let above = cuts.last().copied().unwrap_or(cursor);
            if m <= min || m >= above - 1 {
                break;
            }
            cuts.push(m);
        }
        let Some(&first) = cuts.first() else {
            return;
        };
        let spec = self.slices[idx].spec.clone();
        self.slices[idx].spec = spec.with_window(first + 1, spec.max());
        self.set_seek(idx, cursor, pages, None, false);
        for (j, &top) in cuts.iter().enumerate() {
            let bottom = cuts.get(j + 1).map_or(min, |&m| m + 1);
            self.observed.time_splits += 1;
            self.add_seek(
                Some(idx as u32),
                Origin::OlderRemainder,
                spec.with_window(bottom, top),
            );
        }
    }
}
