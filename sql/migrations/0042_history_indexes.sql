-- Indexes for reading history (issue 12): every validity row, not only the believed ones (the
-- partial indexes of 0005/0034 serve the current state).
--
-- * a feature's versions in valid-time order: version links (predecessor, successor, latest)
--   and `kc history`, at any known_at;
-- * the rows that start or end at a measurement point: the change feed (kc.building_changes,
--   kc.project_changes) reads only those, whatever the size of the history;
-- * a version's rows: the single feature and its links at a known_at.
CREATE INDEX building_validity_timeline ON kc.building_validity (building_id, valid_from);
CREATE INDEX building_validity_starts ON kc.building_validity (valid_from);
CREATE INDEX building_validity_ends ON kc.building_validity (valid_to);
CREATE INDEX building_validity_version ON kc.building_validity (version_id);
CREATE INDEX project_validity_timeline ON kc.project_validity (project_id, valid_from);
CREATE INDEX project_validity_starts ON kc.project_validity (valid_from);
CREATE INDEX project_validity_ends ON kc.project_validity (valid_to);
CREATE INDEX project_validity_version ON kc.project_validity (version_id);
