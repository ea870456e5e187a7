//! The prerequisite graph of a one-thing's matters (前后置、串并联关系, 第二十一条): an edge
//! runs from a prerequisite to the matter that needs its result. Serial matters lie on one
//! path; parallel ones side by side.

use std::collections::BTreeMap;

use super::MatterRef;

fn index(matters: &[MatterRef]) -> BTreeMap<&str, usize> {
    matters
        .iter()
        .enumerate()
        .map(|(i, m)| (m.code.as_str(), i))
        .collect()
}

/// Prerequisites of each matter as indices; unknown codes are skipped (validation reports
/// them before anything here is used for a decision).
fn prerequisites(matters: &[MatterRef]) -> Vec<Vec<usize>> {
    let at = index(matters);
    matters
        .iter()
        .map(|m| {
            m.prerequisites
                .iter()
                .filter_map(|p| at.get(p.as_str()).copied())
                .collect()
        })
        .collect()
}

/// The matters in an order where every prerequisite comes first, keeping the given order
/// wherever the graph allows. A cycle is returned as its codes, first code repeated at the end
/// (`a → b → c → a`: a is a prerequisite of b, b of c, c of a).
pub fn order(matters: &[MatterRef]) -> Result<Vec<usize>, Vec<String>> {
    let prereqs = prerequisites(matters);
    let mut placed = vec![false; matters.len()];
    let mut out = Vec::with_capacity(matters.len());
    while out.len() < matters.len() {
        // The first matter, in the given order, whose prerequisites are all placed.
        let next =
            (0..matters.len()).find(|&i| !placed[i] && prereqs[i].iter().all(|&p| placed[p]));
        match next {
            Some(i) => {
                placed[i] = true;
                out.push(i);
            }
            None => return Err(find_cycle(matters, &prereqs, &placed)),
        }
    }
    Ok(out)
}

/// Every unplaced matter has an unplaced prerequisite, so walking back along those must
/// revisit a matter: that walk, reversed, is a cycle.
fn find_cycle(matters: &[MatterRef], prereqs: &[Vec<usize>], placed: &[bool]) -> Vec<String> {
    let Some(start) = (0..matters.len()).find(|&i| !placed[i]) else {
        return Vec::new();
    };
    let mut walk = vec![start];
    let mut current = start;
    loop {
        let Some(&back) = prereqs[current].iter().find(|&&p| !placed[p]) else {
            return Vec::new();
        };
        if let Some(pos) = walk.iter().position(|&w| w == back) {
            let mut cycle: Vec<String> = walk[pos..]
                .iter()
                .rev()
                .map(|&i| matters[i].code.clone())
                .collect();
            // `back` is a prerequisite of the last matter walked: the chain closes there.
            cycle.push(cycle[0].clone());
            return cycle;
        }
        walk.push(back);
        current = back;
    }
}

/// Column of each matter in a flow chart: the number of matters on the longest chain of
/// prerequisites before it. Matters in one column can run in parallel.
pub fn depths(matters: &[MatterRef]) -> Vec<usize> {
    let prereqs = prerequisites(matters);
    let mut depth = vec![0usize; matters.len()];
    if let Ok(order) = order(matters) {
        for i in order {
            depth[i] = prereqs[i].iter().map(|&p| depth[p] + 1).max().unwrap_or(0);
        }
    }
    depth
}

/// The longest chain of matters by `days` (a matter starts when all its prerequisites are
/// decided): its total and the matters on it, first to last. This is the promised time of
/// the whole one-thing when every department keeps its own.
pub fn critical_path(matters: &[MatterRef], days: impl Fn(&MatterRef) -> u32) -> (u32, Vec<usize>) {
    let prereqs = prerequisites(matters);
    let Ok(order) = order(matters) else {
        return (0, Vec::new());
    };
    let mut finish = vec![0u32; matters.len()];
    let mut via: Vec<Option<usize>> = vec![None; matters.len()];
    for &i in &order {
        let before = prereqs[i]
            .iter()
            .copied()
            .max_by_key(|&p| (finish[p], std::cmp::Reverse(p)));
        finish[i] = before.map_or(0, |p| finish[p]) + days(&matters[i]);
        via[i] = before;
    }
    let Some(end) = order
        .iter()
        .copied()
        .max_by_key(|&i| (finish[i], std::cmp::Reverse(i)))
    else {
        return (0, Vec::new());
    };
    let mut path = vec![end];
    while let Some(p) = via[path[path.len() - 1]] {
        path.push(p);
    }
    path.reverse();
    (finish[end], path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Level;

    fn m(code: &str, prereq: &[&str]) -> MatterRef {
        MatterRef {
            code: code.into(),
            base: String::new(),
            name: code.into(),
            department: "d".into(),
            level: Level::County,
            prerequisites: prereq.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn critical_path_follows_the_longest_chain() {
        // a(1) → b(5) → d(1); a → c(2) → d: the path through b is longer.
        let matters = vec![
            m("a", &[]),
            m("b", &["a"]),
            m("c", &["a"]),
            m("d", &["b", "c"]),
        ];
        let days = |x: &MatterRef| match x.code.as_str() {
            "a" => 1,
            "b" => 5,
            "c" => 2,
            _ => 1,
        };
        let (total, path) = critical_path(&matters, days);
        assert_eq!(total, 7);
        assert_eq!(path, vec![0, 1, 3]);
        assert_eq!(depths(&matters), vec![0, 1, 1, 2]);
    }

    #[test]
    fn parallel_matters_take_the_longest_one() {
        let matters = vec![m("a", &[]), m("b", &[]), m("c", &[])];
        let (total, path) = critical_path(&matters, |x| if x.code == "b" { 9 } else { 3 });
        assert_eq!((total, path), (9, vec![1]));
        assert_eq!(depths(&matters), vec![0, 0, 0]);
    }

    #[test]
    fn a_cycle_is_reported_in_order() {
        let matters = vec![
            m("x", &[]),
            m("a", &["c", "x"]),
            m("b", &["a"]),
            m("c", &["b"]),
        ];
        let cycle = order(&matters).unwrap_err();
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4, "{cycle:?}");
        assert!(!cycle.contains(&"x".to_owned()));
    }
}
