//! Dated moves: the parent links a move replaced (`unit_parent_links`, README "Dated moves").
//! `units.parent_id` and `units.path` are today's structure; a unit moved keeps one row per
//! former link with its lifetime, so "the parent of U on D" is one indexed lookup.

/// The parent of the unit `u` on the day bound at `day` (`$2`) of a statement: the first parent
/// link a dated move replaced (`unit_parent_links`) that ended after that day, else today's.
/// The links of a unit follow each other without a gap, so that is the link covering the day,
/// or the unit's first link for a day before it (a unit stands under its first parent for the
/// time before it opened, as it did before any move).
pub fn parent_on(day: &str) -> String {
    format!(
        "COALESCE((SELECT l.parent_id FROM unit_parent_links l \
         WHERE l.unit_id = u.id AND l.valid_to > {day} ORDER BY l.valid_to LIMIT 1), u.parent_id)"
    )
}
