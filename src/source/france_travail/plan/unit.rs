//! Unit slices: one grain unit holding more offers than a page, cut by every partitioning filter
//! (parts checked against the parent's total) and completed by offset passes until the distinct
//! offers held reach the total. Only then can something be capped, with the exact number missing.

use super::*;

impl Plan {
    pub(super) fn on_probe(&mut self, id: u32, r: &PageResult) {
        let idx = id as usize;
        self.observe(r, 0);
        let n = r.ids.len() as u64;
        let total = r.total.unwrap_or(0);
        self.slices[idx].first_total = Some(total);
        self.slices[idx].ids.extend(r.ids.iter().cloned());
        if n < self.page_size as u64 && n >= total {
            self.slices[idx].state = SliceState::Done { total };
            return self.child_finished(id);
        }
        let parts = partition::cut(&self.slices[idx].spec);
        // Cutting pays only when the page came back full (at least a page of offers) and the
        // unit is over the cap; a page that is not full while the total says more remain is
        // short, or its total drifts: passes over the unit's own query settle it.
        // A unit the offsets can reach whole is paged by passes (one pass when the order is
        // stable): cheaper than a cut, whose every part costs a request.
        if parts.is_empty() || n < self.page_size as u64 || total <= self.cap() {
            return self.start_passes(id, total, Some(fingerprint(&r.ids)));
        }
        self.observed.cuts += 1;
        self.slices[idx].state = SliceState::Cut { total };
        for (origin, spec) in parts {
            self.add_probe(id, origin, spec);
        }
    }

    /// A slice finished: its parent, if cut, checks whether all its parts are in.
    pub(super) fn child_finished(&mut self, id: u32) {
        let Some(parent) = self.slices[id as usize].parent else {
            return;
        };
        let SliceState::Cut { total } = self.slices[parent as usize].state else {
            return;
        };
        let parts: Vec<&Slice> = self
            .slices
            .iter()
            .filter(|s| s.parent == Some(parent))
            .collect();
        if !parts.iter().all(|s| s.is_finished()) {
            return;
        }
        let sum: u64 = parts.iter().filter_map(|s| s.first_total).sum();
        // A cut by département leaves out offers without one; when totals cannot be taken at
        // face value, the parent's own pages must show that nothing is left out.
        let by_departement = parts.iter().any(|s| s.origin == Origin::Departements);
        if sum >= total && !(by_departement && self.doubtful()) {
            self.slices[parent as usize].state = SliceState::Split { total };
            return self.child_finished(parent);
        }
        // Offers no part holds (without the attribute cut on): only the parent reaches them.
        self.start_passes(parent, total, None);
    }

    /// Offset passes over a unit's own query; its first page (the probe) counts as the first
    /// page of the first pass.
    pub(super) fn start_passes(&mut self, id: u32, total: u64, page0: Option<u64>) {
        let pages = self.pages_for(total);
        let mut done = vec![false; pages as usize];
        done[0] = page0.is_some();
        let mut prints = vec![0; pages as usize];
        prints[0] = page0.unwrap_or(0);
        self.observed.passes += 1;
        self.slices[id as usize].state = SliceState::Passes {
            total,
            pass: 0,
            done: done.clone(),
            held_before: 0,
            low: None,
            moved: self.doubtful(),
            quiet: 0,
            prints,
            unstable: false,
        };
        if done.iter().all(|d| *d) {
            return self.end_pass(id);
        }
        for (p, d) in done.iter().enumerate() {
            if !d {
                self.push(task(id, p as u32, TaskKind::Pass));
            }
        }
    }

    pub(super) fn on_pass(&mut self, t: PageTask, r: &PageResult) {
        let idx = t.slice as usize;
        self.observe(r, self.range(t.page).0 as u64);
        self.slices[idx].ids.extend(r.ids.iter().cloned());
        let print = fingerprint(&r.ids);
        let SliceState::Passes {
            done,
            total,
            low,
            moved,
            pass,
            prints,
            unstable,
            ..
        } = &mut self.slices[idx].state
        else {
            return;
        };
        if let Some(d) = done.get_mut(t.page as usize) {
            *d = true;
        }
        if let Some(p) = prints.get_mut(t.page as usize) {
            if *pass == 0 {
                *p = print;
            } else {
                *unstable |= *p != print;
            }
        }
        if let Some(now) = r.total {
            *moved |= now != *total;
            *low = Some(low.map_or(now, |l| l.min(now)));
        }
        if done.iter().all(|d| *d) {
            self.end_pass(t.slice);
        }
    }

    /// A pass is complete: done when the distinct offers held (the unit's and its parts') reach
    /// its total; another pass while passes bring new offers; capped otherwise.
    pub(super) fn end_pass(&mut self, id: u32) {
        let idx = id as usize;
        let SliceState::Passes {
            total,
            pass,
            held_before,
            low,
            moved,
            quiet,
            prints,
            unstable,
            ..
        } = self.slices[idx].state.clone()
        else {
            return;
        };
        let held = self.held(id);
        let has_parts = self
            .slices
            .iter()
            .any(|s| s.parent == Some(id) && s.is_unit());
        // While the stock moves, offers withdrawn meanwhile are not missing: the unit is held
        // once the offers held reach its lowest total and passes in a row brought nothing new.
        let quiet = if held == held_before { quiet + 1 } else { 0 };
        let reached = if moved {
            held >= low.unwrap_or(total).min(total) && quiet >= QUIET_PASSES
        } else {
            held >= total
        };
        if reached {
            self.slices[idx].state = if has_parts {
                SliceState::Split { total }
            } else {
                SliceState::Done { total }
            };
            return self.child_finished(id);
        }
        // A repeat pass that brings nothing new means the order is stable: the rest is out of
        // reach. Once a repeat did bring new offers (or pages come back short, or the stock
        // moves), every pass is a new draw.
        let stable = !moved && !unstable && !self.doubtful();
        let moved = moved || self.doubtful();
        if (pass == 1 && held == held_before && stable) || pass + 1 >= MAX_PASSES {
            // Before anything is reported out of reach, every filter that can cut it is tried.
            let parts = partition::cut(&self.slices[idx].spec);
            if !has_parts && !parts.is_empty() {
                self.observed.cuts += 1;
                self.slices[idx].state = SliceState::Cut { total };
                for (origin, spec) in parts {
                    self.add_probe(id, origin, spec);
                }
                return;
            }
            log::warn!(
                "{} holds {total} offers and cannot be cut further: {held} reached after {} pass(es), {} out of reach",
                self.slices[idx].spec.describe(),
                pass + 1,
                total.saturating_sub(held)
            );
            let total = if moved {
                low.unwrap_or(total).min(total)
            } else {
                total
            };
            self.slices[idx].state = SliceState::Capped {
                total: total.max(held),
                reachable: held,
            };
            return self.child_finished(id);
        }
        let pages = self.pages_for(total);
        self.observed.passes += 1;
        self.slices[idx].state = SliceState::Passes {
            total,
            pass: pass + 1,
            done: vec![false; pages as usize],
            held_before: held,
            low,
            moved,
            quiet,
            prints,
            unstable,
        };
        for p in 0..pages {
            self.push(task(id, p, TaskKind::Pass));
        }
    }

    /// Distinct offers held by a unit and its parts.
    pub(super) fn held(&self, id: u32) -> u64 {
        let mut all: BTreeSet<&String> = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(i) = stack.pop() {
            all.extend(self.slices[i as usize].ids.iter());
            stack.extend(
                self.slices
                    .iter()
                    .filter(|s| s.parent == Some(i) && s.is_unit())
                    .map(|s| s.id),
            );
        }
        all.len() as u64
    }
}
