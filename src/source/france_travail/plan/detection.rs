//! Bound detection: how the API reads `minCreationDate`/`maxCreationDate` (inclusive or not, to
//! the second or coarser), found by probes around a second known to hold offers before anything
//! else is planned (see [`super::bounds`]).

use super::*;

impl Plan {
    pub(super) fn on_detect(&mut self, r: &PageResult) {
        self.observed.detection_probes += 1;
        let Some(d) = self.detection.as_mut() else {
            return;
        };
        let root = d.root;
        match d.answer(&r.ids) {
            Verdict::Probe(..) => self.push(task(root, 0, TaskKind::Detect)),
            Verdict::Found(reading) => {
                self.detection = None;
                self.found(reading, true);
            }
        }
    }

    /// The bounds are known: release the work held back; if they are not read as the roots'
    /// first pages assumed, start every slice over.
    pub(super) fn found(&mut self, reading: BoundReading, detected: bool) {
        self.reading = Some(reading);
        if detected {
            self.observed.bounds = Some(reading);
        }
        log::info!(
            "the API reads the creation bounds so: {}",
            reading.describe()
        );
        if reading != BoundReading::default() {
            self.observed.restarts += 1;
            // Totals compared under the assumed reading did not add up because the reading was
            // wrong, not because the stock moved: they must not make every unit doubtful.
            self.observed.inconsistent_totals = 0;
            self.epoch += 1;
            let roots: Vec<Slice> = self
                .slices
                .iter()
                .filter(|s| s.origin == Origin::Root)
                .cloned()
                .collect();
            self.slices.clear();
            self.ready.clear();
            self.deferred.clear();
            for mut s in roots {
                let id = self.slices.len() as u32;
                s.id = id;
                // Time splits made before the bounds were known narrowed the root.
                s.spec.window = s.whole.unwrap_or(s.spec.window);
                s.state = SliceState::Seek {
                    cursor: s.spec.max(),
                    pages: 0,
                    last: None,
                    confirming: false,
                };
                s.first_total = None;
                self.slices.push(s);
                self.push(task(id, 0, TaskKind::Seek));
            }
            return;
        }
        for t in std::mem::take(&mut self.deferred) {
            self.push(t);
        }
    }
}
